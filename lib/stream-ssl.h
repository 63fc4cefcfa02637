/* lib/stream-ssl.h: configuration of the TLS transports.
 *
 * "ssl:IP:PORT" and "pssl:PORT[:IP]" (see stream.h) use TLS 1.2 or
 * later with mutual authentication: each side presents the certificate
 * set here and accepts only a peer whose certificate the CA set here
 * signed (and that has not expired).  A peer without a certificate is
 * refused during the handshake.  Names in the certificates are not
 * checked, so the CA should be one made for nfvs alone.
 *
 * Thread-safety: call stream_ssl_set_files() at startup, before any TLS
 * stream exists. */
#ifndef NFVS_STREAM_SSL_H
#define NFVS_STREAM_SSL_H 1

/* Loads the private key, the certificate (a PEM file that may hold the
 * chain up to the CA) and the CA certificate used by TLS streams opened
 * afterward.  The three go together: all three NULL disables TLS (the
 * "ssl" and "pssl" names then fail with a message asking for them).
 * Returns 0 on success.  Otherwise returns a positive errno value and
 * stores in '*errp' a malloc'd message (caller frees) naming the option
 * and file at fault, e.g. "--private-key key.pem: cannot read: No such
 * file or directory" or "--private-key key.pem does not match
 * --certificate cert.pem"; the previous settings stay in effect. */
int stream_ssl_set_files(const char *private_key, const char *certificate,
                         const char *ca_cert, char **errp);

/* Seconds a peer of "pssl" has to finish the TLS handshake by default. */
#define PSSL_HANDSHAKE_TIMEOUT_DEFAULT 5

/* Sets the seconds (positive) a peer of "pssl" has to finish the TLS
 * handshake, for connections accepted afterward; a peer that has not
 * finished by then is logged and closed.  Call at startup. */
void stream_ssl_set_handshake_timeout(unsigned int seconds);

#endif /* stream-ssl.h */
