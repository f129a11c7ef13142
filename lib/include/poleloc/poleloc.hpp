// poleloc/poleloc.hpp: everything a user of the library needs.
#pragma once

#include <poleloc/boundary.hpp>
#include <poleloc/error_catalogue.hpp>
#include <poleloc/geo.hpp>
#include <poleloc/import.hpp>
#include <poleloc/number.hpp>
#include <poleloc/query_options.hpp>
#include <poleloc/service.hpp>
#include <poleloc/snapshot.hpp>
#include <poleloc/status.hpp>
#include <poleloc/time_text.hpp>
#include <poleloc/types.hpp>
#include <poleloc/utf8.hpp>
#include <poleloc/validate.hpp>
#include <poleloc/version.hpp>
