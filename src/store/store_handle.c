/* store_handle.c - the generic part of a store handle that every backend sets up and
 * releases (store.h): its ops table and the mutex the maat_store_* calls hold. A leaf, so
 * that the backends need not call back into store.c, which opens them. */
#include "store.h"

void maat_store_handle_init(struct maat_store *s, const struct maat_store_ops *ops)
{
    s->ops = ops;
    pthread_mutex_init(&s->mu, NULL);
}

void maat_store_handle_cleanup(struct maat_store *s)
{
    pthread_mutex_destroy(&s->mu);
}
