/*
 * sdnotify.c - systemd notifications (sdnotify.h). With libsystemd (MAATD_HAVE_LIBSYSTEMD,
 * set by cmake/packaging.cmake) the messages go through sd_notify(3); $NOTIFY_SOCKET is kept
 * in the environment so that STOPPING can follow READY. Without libsystemd: no-ops.
 */
#include "sdnotify.h"

#ifdef MAATD_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

static int notify(const char *state)
{
    int rc = sd_notify(0, state);
    return rc > 0 ? 1 : rc == 0 ? 0 : -1;
}

const char *maatd_notify_backend(void)
{
    return "libsystemd";
}
#else
static int notify(const char *state)
{
    (void)state;
    return 0;
}

const char *maatd_notify_backend(void)
{
    return "none";
}
#endif

int maatd_notify_ready(void)
{
    return notify("READY=1\nSTATUS=serving");
}

int maatd_notify_stopping(void)
{
    return notify("STOPPING=1\nSTATUS=shutting down");
}

int maatd_notify_reloading(void)
{
    return notify("RELOADING=1\nSTATUS=rotating the signing key");
}
