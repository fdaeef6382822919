"""sd_notify_listener.py - a stand-in for systemd's notification socket in the shell tests.

usage: sd_notify_listener.py SOCKET LOG SECONDS

Binds the datagram socket SOCKET, writes "listening" and then each datagram as one line
(newlines turned into spaces) to LOG, and exits after STOPPING=1 or SECONDS seconds.
"""
import socket
import sys
import time

path, log_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(1.0)
end = time.time() + seconds
with open(log_path, "w", buffering=1) as log:
    log.write("listening\n")
    while time.time() < end:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            continue
        log.write(msg.replace("\n", " ") + "\n")
        if "STOPPING=1" in msg:
            break
