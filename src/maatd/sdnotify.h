/*
 * sdnotify.h - maatd's state notifications to systemd (Type=notify in maatd.service):
 * READY once the service answers, STOPPING when a shutdown begins, RELOADING when a
 * reload (SIGHUP: TLS files re-read; never a key rotation) begins (send READY again when it is done).
 * Built on libsystemd's sd_notify when CMake found libsystemd; otherwise every call is a
 * no-op returning 0 (and maatd_notify_backend() says "none").
 */
#ifndef MAATD_SDNOTIFY_H
#define MAATD_SDNOTIFY_H

/* Each returns 1 when systemd was notified, 0 when there is nothing to notify (not started
 * by systemd: $NOTIFY_SOCKET unset, or built without libsystemd), -1 when sending failed. */
int maatd_notify_ready(void);
int maatd_notify_stopping(void);
int maatd_notify_reloading(void);

/* "libsystemd" or "none": what this build notifies with. */
const char *maatd_notify_backend(void);

#endif
