#!/usr/bin/env python3
"""One HTTP/1.0 exchange on stdin/stdout: QEMU's guestfwd=...-cmd: runs this
for each connection a guest makes to the test server's address (issue 9's
tests; nothing leaves the machine). Whatever path is asked for, the answer
is the file named on the command line."""
import sys

data = open(sys.argv[1], "rb").read()
for line in sys.stdin.buffer:
    if line in (b"\r\n", b"\n"):
        break
sys.stdout.buffer.write(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(data) + data)
sys.stdout.buffer.flush()
