/* The netdb calls wasi-libc declares but does not implement, for the socket module. WASI programs
 * have no resolver and no services database: every lookup fails with HOST_NOT_FOUND / NULL. */
#include <netdb.h>
#include <stddef.h>

static int h_errno_value;

int *__h_errno_location(void) { return &h_errno_value; }

struct hostent *gethostbyname(const char *name)
{
    (void)name;
    h_errno_value = HOST_NOT_FOUND;
    return NULL;
}

struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
    (void)addr, (void)len, (void)type;
    h_errno_value = HOST_NOT_FOUND;
    return NULL;
}

struct servent *getservbyname(const char *name, const char *proto)
{
    (void)name, (void)proto;
    return NULL;
}

struct servent *getservbyport(int port, const char *proto)
{
    (void)port, (void)proto;
    return NULL;
}

struct protoent *getprotobyname(const char *name)
{
    (void)name;
    return NULL;
}
