import socket, threading, sys
body = b"x" * (8 << 20)
def one():
    try:
        s = socket.create_connection(("127.0.0.1", 18932))
        s.sendall(b"PUT /v1/poles/TJH0001 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body))
        try:
            s.sendall(body)
        except OSError:
            pass
        s.recv(100)
        s.close()
    except OSError as e:
        pass
ts = [threading.Thread(target=one) for _ in range(150)]
[t.start() for t in ts]; [t.join() for t in ts]
