// record_fuzz: any bytes as a stored RocksDB key or value.
//
// A database written by another version, or damaged on disk, hands the store
// arbitrary bytes. The decoders (store/record_encoding.hpp) must refuse them
// with a corruption status, never crash, and what they accept must encode to
// a value that decodes to the same record (the store rewrites what it reads).
// parse_versioned_key must accept exactly the keys versioned_key writes.
#include "fuzz_fail.hpp"
#include "store/record_encoding.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using poleloc::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace poleloc;
  using namespace poleloc::store;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  std::string_view id;
  std::uint64_t version = 0;
  if (parse_versioned_key(bytes, id, version) && versioned_key(id, version) != bytes) {
    fail("parse_versioned_key accepted a key versioned_key does not write");
  }
  (void)is_tombstone(bytes);
  (void)is_place_key(bytes);

  PoleValueView pole;
  if (decode_pole(bytes, pole)) {
    const std::string again = encode_pole(pole.position, pole.attributes);
    PoleValueView twice;
    if (!decode_pole(again, twice) || encode_pole(twice.position, twice.attributes) != again) {
      fail("a decoded pole does not survive encode_pole/decode_pole");
    }
  }
  if (auto grid = decode_grid("G-1", bytes)) {
    const std::string again = encode_grid(*grid);
    auto twice = decode_grid("G-1", again);
    if (!twice || encode_grid(*twice) != again) fail("a decoded grid does not survive encode_grid/decode_grid");
  }
  if (auto alias = decode_alias("团结湖", bytes)) {
    auto twice = decode_alias("团结湖", encode_alias(*alias));
    if (!twice || twice->code != alias->code) fail("a decoded alias does not survive encode_alias/decode_alias");
  }
  // A place value under its key; the key is the first byte's worth of the input.
  const std::size_t key_size = size ? data[0] % 16 : 0;
  if (size > key_size) {
    const std::string key = place_key(bytes.substr(1, key_size));
    if (auto place = decode_place(key, bytes.substr(1 + key_size))) {
      auto twice = decode_place(key, encode_place(*place));
      if (!twice || !(*twice == *place || encode_place(*twice) == encode_place(*place))) {
        fail("a decoded place does not survive encode_place/decode_place");
      }
    }
  }
  return 0;
}
