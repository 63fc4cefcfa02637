/* TLS streams: the "ssl" (blocking client) and "pssl" (libevent server)
 * stream classes.  This is the only file that includes OpenSSL; it turns
 * OpenSSL's error queue into errno values and messages. */
#include <config.h>
#include "stream-ssl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "list.h"
#include "stream-provider.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(stream_ssl);

/* A peer must finish its side of the server handshake within this time
 * (stream_ssl_set_handshake_timeout()), so that a peer that stalls
 * mid-handshake only holds its own socket, and not for long. */
static unsigned int pssl_handshake_timeout = PSSL_HANDSHAKE_TIMEOUT_DEFAULT;

/* With TLS 1.3 the server checks the client's certificate only after the
 * client has finished its handshake, so the client learns of a refusal
 * from the server's next message.  Our server always sends one session
 * ticket when it accepts (SSL_CTX_set_num_tickets), so the client waits
 * for that ticket, or the alert instead, at most this long when its own
 * timeout allows more. */
#define SSL_VERDICT_TIMEOUT_MSEC 10000

/* Contexts built by stream_ssl_set_files(); NULL until then. */
static SSL_CTX *server_ctx;
static SSL_CTX *client_ctx;

/* Index of an SSL's ex_data that holds why ssl_verify_cb__() refused the
 * peer's certificate (a malloc'd string), or -1 until created. */
static int ssl_refusal_idx = -1;

/* Errors. */

/* Returns the reason of the oldest error in OpenSSL's queue of this
 * thread, as a malloc'd string (caller frees), or NULL if the queue is
 * empty, and clears the queue. */
static char *
ssl_error_pop__(void)
{
    unsigned long code = ERR_get_error();
    const char *reason;

    ERR_clear_error();
    if (!code) {
        return NULL;
    }
    reason = ERR_reason_error_string(code);
    return (reason
            ? xstrdup(reason)
            : xasprintf("OpenSSL error %#lx", code));
}

/* Returns a malloc'd description of why the handshake on 'ssl' failed:
 * the certificate check when that is what failed, otherwise 'reason'
 * (taken) or, if NULL, 'fallback'. */
static char *
ssl_handshake_failure__(const SSL *ssl, char *reason, const char *fallback)
{
    long result = SSL_get_verify_result(ssl);

    if (result != X509_V_OK) {
        const char *refusal = (ssl_refusal_idx >= 0
                               ? SSL_get_ex_data(ssl, ssl_refusal_idx)
                               : NULL);

        free(reason);
        return xasprintf("certificate verify failed: %s",
                         (refusal ? refusal
                          : X509_verify_cert_error_string(result)));
    }
    return reason ? reason : xstrdup(fallback);
}

/* Returns the subject of 'cert' as "CN=x,O=y", malloc'd. */
static char *
ssl_cert_subject__(X509 *cert)
{
    char *subject = NULL;
    BIO *bio;

    bio = BIO_new(BIO_s_mem());
    if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
                                  XN_FLAG_RFC2253) >= 0) {
        char *data;
        long size = BIO_get_mem_data(bio, &data);

        subject = xmemdup0(data, size);
    }
    BIO_free(bio);
    ERR_clear_error();
    return subject ? subject : xstrdup("(unknown)");
}

/* Returns NULL if 'cert' may be the certificate of a TLS client (when
 * 'client') or server: not a CA certificate, and with the clientAuth or
 * serverAuth extended key usage.  Otherwise returns a malloc'd reason
 * that names 'cert' by its subject, and sets '*errorp' to the X509_V_ERR_*
 * code that fits.  (OpenSSL alone takes a certificate without the
 * extension as good for any purpose, and a trusted CA certificate as a
 * peer's own.) */
static char *
ssl_check_cert_role__(X509 *cert, bool client, int *errorp)
{
    uint32_t usage = client ? XKU_SSL_CLIENT : XKU_SSL_SERVER;
    const char *role = client ? "client" : "server";
    char *subject, *reason;

    if (X509_check_ca(cert)) {
        *errorp = X509_V_ERR_INVALID_NON_CA;
        subject = ssl_cert_subject__(cert);
        reason = xasprintf("the %s certificate (%s) is a CA certificate, "
                           "not a %s certificate", role, subject, role);
    } else if (!(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE)
               || !(X509_get_extended_key_usage(cert) & usage)) {
        *errorp = X509_V_ERR_INVALID_PURPOSE;
        subject = ssl_cert_subject__(cert);
        reason = xasprintf("the %s certificate (%s) lacks the %s extended "
                           "key usage", role, subject,
                           client ? "clientAuth" : "serverAuth");
    } else {
        return NULL;
    }
    free(subject);
    return reason;
}

static void
ssl_refusal_free__(void *parent NFVS_UNUSED, void *ptr,
                   CRYPTO_EX_DATA *ad NFVS_UNUSED, int idx NFVS_UNUSED,
                   long argl NFVS_UNUSED, void *argp NFVS_UNUSED)
{
    free(ptr);
}

/* Verification callback of both contexts: on top of OpenSSL's checks,
 * the peer's own certificate (depth 0) must fit its role, a client's on
 * the server side and a server's on the client side (see
 * ssl_check_cert_role__()).  A refusal's reason, and the reason for
 * OpenSSL's own refusal of the peer's certificate for its purpose, is
 * kept in the SSL's 'ssl_refusal_idx' ex_data for
 * ssl_handshake_failure__(). */
static int
ssl_verify_cb__(int preverify_ok, X509_STORE_CTX *store)
{
    int error = X509_STORE_CTX_get_error(store);
    X509 *cert;
    char *reason;
    bool client;
    SSL *ssl;

    if (X509_STORE_CTX_get_error_depth(store) != 0
        || (!preverify_ok && error != X509_V_ERR_INVALID_PURPOSE)) {
        return preverify_ok;
    }
    ssl = X509_STORE_CTX_get_ex_data(store,
                                     SSL_get_ex_data_X509_STORE_CTX_idx());
    cert = X509_STORE_CTX_get_current_cert(store);
    client = SSL_is_server(ssl);
    reason = ssl_check_cert_role__(cert, client, &error);
    if (!reason && preverify_ok) {
        return 1;
    } else if (!reason) {
        /* OpenSSL's purpose check failed on something else: keyUsage. */
        char *subject = ssl_cert_subject__(cert);

        reason = xasprintf("the %s certificate (%s) is not usable for "
                           "TLS %s authentication (see its keyUsage)",
                           client ? "client" : "server", subject,
                           client ? "client" : "server");
        free(subject);
    }
    X509_STORE_CTX_set_error(store, error);
    if (ssl_refusal_idx >= 0) {
        free(SSL_get_ex_data(ssl, ssl_refusal_idx));
        if (SSL_set_ex_data(ssl, ssl_refusal_idx, reason)) {
            reason = NULL;
        }
    }
    free(reason);
    return 0;
}

/* Configuration. */

/* Checks that 'file', given with 'option', is readable, so that the
 * message for a typo says so instead of whatever OpenSSL makes of it. */
static int
ssl_check_readable__(const char *option, const char *file, char **errp)
{
    FILE *stream = fopen(file, "r");
    int error;

    if (!stream) {
        error = errno;
        *errp = xasprintf("%s %s: cannot read: %s", option, file,
                          nfvs_strerror(error));
        return error;
    }
    fclose(stream);
    return 0;
}

/* Returns EPROTO with '*errp' set to "OPTION FILE: WHAT: REASON". */
static int
ssl_file_error__(const char *option, const char *file, const char *what,
                 char **errp)
{
    char *reason = ssl_error_pop__();

    *errp = xasprintf("%s %s: %s: %s", option, file, what,
                      reason ? reason : "unknown error");
    free(reason);
    return EPROTO;
}

static int
ssl_new_session_cb__(SSL *ssl, SSL_SESSION *session)
{
    bool *got_ticketp = SSL_get_app_data(ssl);

    if (got_ticketp) {
        *got_ticketp = true;
    }
    return 0;                   /* We keep no reference to 'session'. */
}

/* Creates a context for 'method' with our key, certificate and CA, and
 * mutual authentication with TLS 1.2 or later. */
static int
ssl_ctx_create__(const SSL_METHOD *method, const char *private_key,
                 const char *certificate, const char *ca_cert,
                 SSL_CTX **ctxp, char **errp)
{
    SSL_CTX *ctx;
    int error;

    *ctxp = NULL;
    ctx = SSL_CTX_new(method);
    if (!ctx) {
        char *reason = ssl_error_pop__();

        *errp = xasprintf("cannot create TLS context: %s",
                          reason ? reason : "unknown error");
        free(reason);
        return ENOMEM;
    }

    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
        ERR_clear_error();
        *errp = xstrdup("cannot require TLS 1.2 or later");
        error = EPROTO;
        goto out_free;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, (SSL_MODE_ENABLE_PARTIAL_WRITE
                           | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER));
    SSL_CTX_set_verify(ctx, (SSL_VERIFY_PEER
                             | SSL_VERIFY_FAIL_IF_NO_PEER_CERT),
                       ssl_verify_cb__);

    if (SSL_CTX_use_certificate_chain_file(ctx, certificate) != 1) {
        error = ssl_file_error__("--certificate", certificate,
                                 "cannot load certificate", errp);
        goto out_free;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, private_key,
                                    SSL_FILETYPE_PEM) != 1) {
        char *reason = ssl_error_pop__();

        /* OpenSSL checks the key against the certificate as it loads. */
        if (reason && strstr(reason, "values mismatch")) {
            *errp = xasprintf("--private-key %s does not match "
                              "--certificate %s", private_key,
                              certificate);
        } else {
            *errp = xasprintf("--private-key %s: cannot load private "
                              "key: %s", private_key,
                              reason ? reason : "unknown error");
        }
        free(reason);
        error = EPROTO;
        goto out_free;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        *errp = xasprintf("--private-key %s does not match --certificate "
                          "%s", private_key, certificate);
        error = EPROTO;
        goto out_free;
    }
    if (SSL_CTX_load_verify_locations(ctx, ca_cert, NULL) != 1) {
        error = ssl_file_error__("--ca-cert", ca_cert,
                                 "cannot load CA certificate", errp);
        goto out_free;
    }

    *ctxp = ctx;
    return 0;

out_free:
    SSL_CTX_free(ctx);
    return error;
}

int
stream_ssl_set_files(const char *private_key, const char *certificate,
                     const char *ca_cert, char **errp)
{
    STACK_OF(X509_NAME) *ca_names;
    SSL_CTX *server, *client;
    int error;

    *errp = NULL;
    if (!private_key && !certificate && !ca_cert) {
        SSL_CTX_free(server_ctx);
        SSL_CTX_free(client_ctx);
        server_ctx = client_ctx = NULL;
        return 0;
    }
    if (!private_key || !certificate || !ca_cert) {
        *errp = xasprintf("TLS needs all of --private-key, --certificate "
                          "and --ca-cert (missing %s)",
                          (!private_key ? "--private-key"
                           : !certificate ? "--certificate"
                           : "--ca-cert"));
        return EINVAL;
    }

    error = ssl_check_readable__("--private-key", private_key, errp);
    if (!error) {
        error = ssl_check_readable__("--certificate", certificate, errp);
    }
    if (!error) {
        error = ssl_check_readable__("--ca-cert", ca_cert, errp);
    }
    if (error) {
        return error;
    }

    if (ssl_refusal_idx < 0) {
        ssl_refusal_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
                                               ssl_refusal_free__);
    }
    error = ssl_ctx_create__(TLS_server_method(), private_key, certificate,
                             ca_cert, &server, errp);
    if (error) {
        return error;
    }
    error = ssl_ctx_create__(TLS_client_method(), private_key, certificate,
                             ca_cert, &client, errp);
    if (error) {
        SSL_CTX_free(server);
        return error;
    }

    /* The server names the CA it accepts in its certificate request, and
     * always sends one TLS 1.3 session ticket: that is the client's sign
     * that its certificate passed (see SSL_VERDICT_TIMEOUT_MSEC). */
    ca_names = SSL_load_client_CA_file(ca_cert);
    if (!ca_names) {
        SSL_CTX_free(server);
        SSL_CTX_free(client);
        return ssl_file_error__("--ca-cert", ca_cert,
                                "cannot load CA certificate", errp);
    }
    SSL_CTX_set_client_CA_list(server, ca_names);
    SSL_CTX_set_session_id_context(server, (const unsigned char *) "nfvs",
                                   4);
    SSL_CTX_set_num_tickets(server, 1);
    SSL_CTX_set_session_cache_mode(client, (SSL_SESS_CACHE_CLIENT
                                            | SSL_SESS_CACHE_NO_INTERNAL));
    SSL_CTX_sess_set_new_cb(client, ssl_new_session_cb__);

    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
    server_ctx = server;
    client_ctx = client;
    return 0;
}

static char *
ssl_not_configured__(const char *name)
{
    return xasprintf("%s: TLS needs --private-key, --certificate and "
                     "--ca-cert", name);
}

/* Addresses. */

/* Parses 'ip', an IPv4 literal or an IPv6 literal with or without
 * brackets, and 'port' into '*ss' and '*lenp'.  Returns true if valid. */
static bool
ssl_parse_address__(const char *ip, size_t ip_len, const char *port,
                    unsigned int min_port, struct sockaddr_storage *ss,
                    socklen_t *lenp)
{
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;
    struct sockaddr_in *sin = (struct sockaddr_in *) ss;
    unsigned int port_no;
    char *host;
    bool ok;

    if (!str_to_uint(port, 10, &port_no) || port_no < min_port
        || port_no > 65535) {
        return false;
    }
    if (ip_len >= 2 && ip[0] == '[' && ip[ip_len - 1] == ']') {
        ip++;
        ip_len -= 2;
    }

    memset(ss, 0, sizeof *ss);
    host = xmemdup0(ip, ip_len);
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port_no);
        *lenp = sizeof *sin;
        ok = true;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port_no);
        *lenp = sizeof *sin6;
        ok = true;
    } else {
        ok = false;
    }
    free(host);
    return ok;
}

static unsigned int
ssl_get_port__(const struct sockaddr_storage *ss)
{
    return (ss->ss_family == AF_INET6
            ? ntohs(((const struct sockaddr_in6 *) ss)->sin6_port)
            : ntohs(((const struct sockaddr_in *) ss)->sin_port));
}

/* Returns "IP:PORT" ("[IP]:PORT" for IPv6) for 'ss', malloc'd. */
static char *
ssl_format_address__(const struct sockaddr_storage *ss)
{
    char host[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const void *) ss;

        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
        return xasprintf("[%s]:%u", host, ntohs(sin6->sin6_port));
    } else {
        const struct sockaddr_in *sin = (const void *) ss;

        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
        return xasprintf("%s:%u", host, ntohs(sin->sin_port));
    }
}

/* The active side. */

struct ssl_stream {
    struct stream up;
    SSL *ssl;                       /* The TLS connection on 'up.fd'. */
    short want;                     /* Poll events OpenSSL waits for, or 0
                                     * to wait for what the caller wants. */
    bool got_ticket;                /* Server sent a session ticket. */
};

static struct ssl_stream *
ssl_stream_cast(const struct stream *stream)
{
    return CONTAINER_OF(stream, struct ssl_stream, up);
}

/* OpenSSL writes with send() without MSG_NOSIGNAL; stream_send() must not
 * raise SIGPIPE, so SIGPIPE is blocked in this thread around OpenSSL
 * calls and one it raised is taken back before unblocking. */
static void
ssl_block_sigpipe__(sigset_t *oldp)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, oldp);
}

static void
ssl_unblock_sigpipe__(const sigset_t *oldp)
{
    struct timespec zero = { 0, 0 };
    sigset_t set, pending;

    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) && !sigismember(oldp, SIGPIPE)) {
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        sigtimedwait(&set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, oldp, NULL);
}

/* Waits until 'fd' is ready for 'events' or 'deadline' (LLONG_MAX: none)
 * passes.  Returns 0, ETIMEDOUT or another positive errno value. */
static int
ssl_poll__(int fd, short events, long long int deadline)
{
    struct pollfd pfd = { .fd = fd, .events = events };

    for (;;) {
        long long int remaining = deadline - time_msec();
        int n;

        if (remaining <= 0) {
            return ETIMEDOUT;
        }
        n = poll(&pfd, 1, NFVS_MIN(remaining, INT_MAX));
        if (n > 0) {
            return 0;
        } else if (n < 0 && errno != EINTR) {
            return errno;
        }
    }
}

/* Runs the client handshake on 'ss' until 'deadline'.  Returns 0 or a
 * positive errno value with a malloc'd reason in '*reasonp'. */
static int
ssl_connect__(struct ssl_stream *ss, long long int deadline,
              char **reasonp)
{
    for (;;) {
        int retval, ssl_error, error;
        sigset_t old;

        ssl_block_sigpipe__(&old);
        retval = SSL_connect(ss->ssl);
        ssl_error = SSL_get_error(ss->ssl, retval);
        error = errno;
        ssl_unblock_sigpipe__(&old);
        if (retval == 1) {
            return 0;
        }

        if (ssl_error == SSL_ERROR_WANT_READ
            || ssl_error == SSL_ERROR_WANT_WRITE) {
            error = ssl_poll__(ss->up.fd, (ssl_error == SSL_ERROR_WANT_READ
                                           ? POLLIN : POLLOUT), deadline);
            if (error) {
                *reasonp = xasprintf("TLS handshake: %s",
                                     nfvs_strerror(error));
                return error;
            }
            continue;
        }

        *reasonp = ssl_handshake_failure__(
            ss->ssl, ssl_error_pop__(),
            (ssl_error == SSL_ERROR_SYSCALL && retval < 0
             ? nfvs_strerror(error) : "connection closed by the server"));
        return EPROTO;
    }
}

/* With TLS 1.3, waits for the server's verdict on our certificate: a
 * session ticket, or an alert.  Returns 0 or EPROTO with a malloc'd
 * reason in '*reasonp'. */
static int
ssl_await_verdict__(struct ssl_stream *ss, long long int deadline,
                    char **reasonp)
{
    deadline = NFVS_MIN(deadline, time_msec() + SSL_VERDICT_TIMEOUT_MSEC);
    while (!ss->got_ticket) {
        int retval, ssl_error;
        sigset_t old;
        char c;

        ssl_block_sigpipe__(&old);
        retval = SSL_peek(ss->ssl, &c, 1);
        ssl_error = SSL_get_error(ss->ssl, retval);
        ssl_unblock_sigpipe__(&old);
        if (retval > 0) {
            break;
        } else if (ssl_error == SSL_ERROR_WANT_READ) {
            if (!ss->got_ticket
                && ssl_poll__(ss->up.fd, POLLIN, deadline)) {
                break;          /* No word: leave it to the first read. */
            }
        } else {
            char *reason = ssl_error_pop__();

            *reasonp = xasprintf("refused by the server: %s",
                                 reason ? reason : "connection closed");
            free(reason);
            return EPROTO;
        }
    }
    ERR_clear_error();
    return 0;
}

static int
ssl_open(const char *suffix, int timeout_ms, struct stream **streamp,
         char **errp)
{
    long long int deadline = (timeout_ms > 0
                              ? time_msec() + timeout_ms : LLONG_MAX);
    struct sockaddr_storage sa;
    struct ssl_stream *ss;
    const char *colon;
    char *reason = NULL;
    socklen_t sa_len;
    int cert_error;
    char *own;
    int error;
    int fd;

    if (!client_ctx) {
        char *name = xasprintf("ssl:%s", suffix);

        *errp = ssl_not_configured__(name);
        free(name);
        return EINVAL;
    }
    colon = strrchr(suffix, ':');
    if (!colon || !ssl_parse_address__(suffix, colon - suffix, colon + 1,
                                       1, &sa, &sa_len)) {
        *errp = xasprintf("ssl:%s: expected ssl:IP:PORT with an IPv4 or "
                          "IPv6 address and a port from 1 to 65535",
                          suffix);
        return EINVAL;
    }

    fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd < 0) {
        return errno;
    }
    error = connect(fd, (struct sockaddr *) &sa, sa_len) ? errno : 0;
    if (error == EINPROGRESS) {
        socklen_t len = sizeof error;

        error = ssl_poll__(fd, POLLOUT, deadline);
        if (!error && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len)) {
            error = errno;
        }
    }
    if (error) {
        close(fd);
        return error;
    }

    ss = xzalloc(sizeof *ss);
    ss->up.fd = fd;
    ss->ssl = SSL_new(client_ctx);
    if (!ss->ssl || !SSL_set_fd(ss->ssl, fd)) {
        reason = ssl_error_pop__();
        error = ENOMEM;
        goto out_free;
    }
    SSL_set_app_data(ss->ssl, &ss->got_ticket);

    error = ssl_connect__(ss, deadline, &reason);
    if (!error && SSL_version(ss->ssl) >= TLS1_3_VERSION) {
        error = ssl_await_verdict__(ss, deadline, &reason);
    }
    if (error) {
        goto out_free;
    }
    SSL_set_app_data(ss->ssl, NULL);
    *streamp = &ss->up;
    return 0;

out_free:
    /* A server that refuses our certificate only says which alert; say
     * what is wrong with it when we can tell. */
    own = (error == EPROTO && ss->ssl
           && SSL_get_verify_result(ss->ssl) == X509_V_OK
           ? ssl_check_cert_role__(SSL_CTX_get0_certificate(client_ctx),
                                   true, &cert_error)
           : NULL);
    *errp = xasprintf("ssl:%s: %s%s%s", suffix,
                      reason ? reason : nfvs_strerror(error),
                      own ? "; --certificate: " : "", own ? own : "");
    free(own);
    free(reason);
    SSL_free(ss->ssl);
    close(fd);
    free(ss);
    return error;
}

static void
ssl_close(struct stream *stream)
{
    struct ssl_stream *ss = ssl_stream_cast(stream);
    sigset_t old;

    /* Best effort: a close_notify if the socket takes it now. */
    ssl_block_sigpipe__(&old);
    SSL_shutdown(ss->ssl);
    ssl_unblock_sigpipe__(&old);
    ERR_clear_error();
    SSL_free(ss->ssl);
    close(ss->up.fd);
    free(ss);
}

/* Translates the result 'retval' of SSL_read() or SSL_write() on 'ss'
 * into 0 (end of stream), EAGAIN or another errno value. */
static int
ssl_io_error__(struct ssl_stream *ss, int retval, int sys_errno)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    int ssl_error = SSL_get_error(ss->ssl, retval);
    char *reason;

    switch (ssl_error) {
    case SSL_ERROR_WANT_READ:
        ss->want = POLLIN;
        return EAGAIN;
    case SSL_ERROR_WANT_WRITE:
        ss->want = POLLOUT;
        return EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        return retval < 0 && sys_errno ? sys_errno : 0;
    default:
        reason = ssl_error_pop__();
        VLOG_WARN_RL(&rl, "%s: TLS error: %s", ss->up.name,
                     reason ? reason : "unknown");
        free(reason);
        return EPROTO;
    }
}

static int
ssl_recv(struct stream *stream, void *buffer, size_t size,
         size_t *n_recvp)
{
    struct ssl_stream *ss = ssl_stream_cast(stream);
    int retval, error;
    sigset_t old;

    *n_recvp = 0;
    ss->want = 0;
    ssl_block_sigpipe__(&old);
    retval = SSL_read(ss->ssl, buffer, NFVS_MIN(size, INT_MAX));
    error = retval > 0 ? 0 : ssl_io_error__(ss, retval, errno);
    ssl_unblock_sigpipe__(&old);
    if (retval > 0) {
        *n_recvp = retval;
    }
    return error;
}

static int
ssl_send(struct stream *stream, const void *buffer, size_t size,
         size_t *n_sentp)
{
    struct ssl_stream *ss = ssl_stream_cast(stream);
    int retval, error;
    sigset_t old;

    *n_sentp = 0;
    ss->want = 0;
    ssl_block_sigpipe__(&old);
    retval = SSL_write(ss->ssl, buffer, NFVS_MIN(size, INT_MAX));
    error = retval > 0 ? 0 : ssl_io_error__(ss, retval, errno);
    ssl_unblock_sigpipe__(&old);
    if (retval > 0) {
        *n_sentp = retval;
    } else if (!error) {
        error = EPIPE;          /* The peer closed. */
    }
    return error;
}

static short
ssl_poll_events(const struct stream *stream, short want)
{
    const struct ssl_stream *ss = ssl_stream_cast(stream);

    return ss->want ? ss->want : want;
}

const struct stream_class ssl_stream_class = {
    .name = "ssl",
    .open = ssl_open,
    .close = ssl_close,
    .recv = ssl_recv,
    .send = ssl_send,
    .poll_events = ssl_poll_events,
};

/* The passive side. */

struct pssl_pstream {
    struct pstream up;
    struct nfvs_list handshakes;    /* Contains "struct pssl_handshake"s. */
    size_t n_handshakes;            /* Length of 'handshakes'. */
};

/* A connection whose server handshake is running. */
struct pssl_handshake {
    struct nfvs_list node;          /* In pssl_pstream's 'handshakes'. */
    struct pssl_pstream *ps;        /* Owner. */
    struct bufferevent *bev;        /* bufferevent_openssl on the socket. */
    struct event *timer;            /* Gives up after the time limit. */
    pstream_accept_func *cb;        /* Called once the handshake is done. */
    void *aux;                      /* For 'cb'. */
    char *peer;                     /* "IP:PORT" of the peer, for logs. */
};

static struct vlog_rate_limit pssl_rl = VLOG_RATE_LIMIT_INIT(20, 20);

static struct pssl_pstream *
pssl_pstream_cast(struct pstream *pstream)
{
    return CONTAINER_OF(pstream, struct pssl_pstream, up);
}

static int
pssl_listen(const char *suffix, struct pstream **pstreamp, char **errp)
{
    const char *colon = strchr(suffix, ':');
    struct sockaddr_storage sa;
    struct pssl_pstream *ps;
    const char *ip;
    socklen_t sa_len;
    int error, one;
    bool any_port;
    char *port;
    int fd;

    if (!server_ctx) {
        char *name = xasprintf("pssl:%s", suffix);

        *errp = ssl_not_configured__(name);
        free(name);
        return EINVAL;
    }
    port = colon ? xmemdup0(suffix, colon - suffix) : xstrdup(suffix);
    ip = colon ? colon + 1 : "0.0.0.0";
    if (!ssl_parse_address__(ip, strlen(ip), port, 0, &sa, &sa_len)) {
        *errp = xasprintf("pssl:%s: expected pssl:PORT[:IP] with a port "
                          "from 0 to 65535 and an IPv4 or IPv6 address",
                          suffix);
        free(port);
        return EINVAL;
    }
    free(port);
    any_port = !ssl_get_port__(&sa);

    fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd < 0) {
        error = errno;
        *errp = xasprintf("pssl:%s: socket: %s", suffix,
                          nfvs_strerror(error));
        return error;
    }
    one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
        || (sa.ss_family == AF_INET6
            && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one))
        || bind(fd, (struct sockaddr *) &sa, sa_len)
        || listen(fd, SOMAXCONN)
        || getsockname(fd, (struct sockaddr *) &sa, &sa_len)) {
        error = errno;
        *errp = xasprintf("pssl:%s: %s", suffix, nfvs_strerror(error));
        close(fd);
        return error;
    }

    ps = xzalloc(sizeof *ps);
    ps->up.fd = fd;
    nfvs_list_init(&ps->handshakes);
    if (any_port) {
        ps->up.name = xasprintf("pssl:%u%s", ssl_get_port__(&sa),
                                colon ? colon : "");
    }
    *pstreamp = &ps->up;
    return 0;
}

static void
pssl_handshake_destroy(struct pssl_handshake *hs, bool free_bev)
{
    nfvs_list_remove(&hs->node);
    hs->ps->n_handshakes--;
    if (hs->timer) {
        event_free(hs->timer);
    }
    if (free_bev) {
        bufferevent_free(hs->bev);
    }
    free(hs->peer);
    free(hs);
}

static void
pssl_close(struct pstream *pstream)
{
    struct pssl_pstream *ps = pssl_pstream_cast(pstream);
    struct pssl_handshake *hs, *next;

    NFVS_LIST_FOR_EACH_SAFE (hs, next, node, &ps->handshakes) {
        pssl_handshake_destroy(hs, true);
    }
    close(ps->up.fd);
    free(ps);
}

/* Returns the subject of the certificate of the peer of 'ssl', as
 * "CN=x,O=y", malloc'd. */
static char *
pssl_peer_subject__(SSL *ssl)
{
    X509 *cert = SSL_get_peer_certificate(ssl);
    char *subject = cert ? ssl_cert_subject__(cert) : xstrdup("(unknown)");

    X509_free(cert);
    return subject;
}

static void
pssl_handshake_event_cb(struct bufferevent *bev, short events, void *hs_)
{
    struct pssl_handshake *hs = hs_;
    SSL *ssl = bufferevent_openssl_get_ssl(bev);

    if (events & BEV_EVENT_CONNECTED) {
        pstream_accept_func *cb = hs->cb;
        void *aux = hs->aux;
        char *subject = pssl_peer_subject__(ssl);

        VLOG_INFO_RL(&pssl_rl, "%s: %s connection from %s, certificate "
                     "subject %s", hs->ps->up.name, SSL_get_version(ssl),
                     hs->peer, subject);
        free(subject);
        bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
        bufferevent_disable(bev, EV_READ | EV_WRITE);
        pssl_handshake_destroy(hs, false);
        cb(bev, NULL, aux);
    } else if (events & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
        unsigned long code = bufferevent_get_openssl_error(bev);
        const char *text = code ? ERR_reason_error_string(code) : NULL;
        int sys_error = EVUTIL_SOCKET_ERROR();
        char *reason;

        while (bufferevent_get_openssl_error(bev)) {
            continue;
        }
        reason = ssl_handshake_failure__(
            ssl,
            (text ? xstrdup(text)
             : code ? xasprintf("OpenSSL error %#lx", code) : NULL),
            (events & BEV_EVENT_EOF || !sys_error
             ? "connection closed by the peer"
             : nfvs_strerror(sys_error)));
        VLOG_WARN_RL(&pssl_rl, "%s: TLS handshake with %s failed: %s",
                     hs->ps->up.name, hs->peer, reason);
        free(reason);
        ERR_clear_error();
        pssl_handshake_destroy(hs, true);
    }
}

static void
pssl_handshake_timeout_cb(evutil_socket_t fd, short events, void *hs_)
{
    struct pssl_handshake *hs = hs_;

    VLOG_WARN_RL(&pssl_rl, "%s: TLS handshake with %s timed out after %u s",
                 hs->ps->up.name, hs->peer, pssl_handshake_timeout);
    pssl_handshake_destroy(hs, true);
}

static int
pssl_accept(struct pstream *pstream, struct event_base *base, int fd,
            pstream_accept_func *cb, void *aux)
{
    struct timeval tv = { .tv_sec = pssl_handshake_timeout };
    struct pssl_pstream *ps = pssl_pstream_cast(pstream);
    struct sockaddr_storage sa;
    socklen_t sa_len = sizeof sa;
    struct pssl_handshake *hs;
    struct bufferevent *bev;
    SSL *ssl;

    ssl = SSL_new(server_ctx);
    if (!ssl) {
        ERR_clear_error();
        close(fd);
        return ENOMEM;
    }
    bev = bufferevent_openssl_socket_new(base, fd, ssl,
                                         BUFFEREVENT_SSL_ACCEPTING,
                                         BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        close(fd);
        return ENOMEM;
    }
    /* A peer that closes without a TLS close_notify has simply gone. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);

    hs = xzalloc(sizeof *hs);
    hs->ps = ps;
    hs->bev = bev;
    hs->cb = cb;
    hs->aux = aux;
    hs->peer = (getpeername(fd, (struct sockaddr *) &sa, &sa_len)
                ? xstrdup("(unknown)") : ssl_format_address__(&sa));
    hs->timer = evtimer_new(base, pssl_handshake_timeout_cb, hs);
    nfvs_list_push_back(&ps->handshakes, &hs->node);
    ps->n_handshakes++;
    if (!hs->timer || evtimer_add(hs->timer, &tv)) {
        pssl_handshake_destroy(hs, true);
        return ENOMEM;
    }

    bufferevent_setcb(bev, NULL, NULL, pssl_handshake_event_cb, hs);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    return 0;
}

static size_t
pssl_n_pending(const struct pstream *pstream)
{
    const struct pssl_pstream *ps;

    ps = CONTAINER_OF(pstream, const struct pssl_pstream, up);
    return ps->n_handshakes;
}

void
stream_ssl_set_handshake_timeout(unsigned int seconds)
{
    pssl_handshake_timeout = seconds;
}

const struct pstream_class pssl_pstream_class = {
    .name = "pssl",
    .listen = pssl_listen,
    .close = pssl_close,
    .accept = pssl_accept,
    .n_pending = pssl_n_pending,
    /* .reject is NULL: plain text would only confuse a TLS peer. */
};
