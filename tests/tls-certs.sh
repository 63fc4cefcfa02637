#! /bin/sh
# tls-certs.sh DIR: makes throw-away TLS material for the tests in DIR:
#   ca.crt ca.key             the test CA
#   server.crt server.key     signed by the CA (CN=nfvs-server), a TLS
#                             server certificate (extendedKeyUsage
#                             serverAuth)
#   client.crt client.key     signed by the CA (CN=nfvs-client), a TLS
#                             client certificate (clientAuth)
#   expired.crt expired.key   a client certificate whose validity ended a
#                             day ago
#   noeku.crt noeku.key       signed by the CA (CN=nfvs-client), without
#                             extendedKeyUsage
#   rogue-ca.crt              another CA
#   rogue.crt rogue.key       a client certificate signed by the other CA
# EC P-256 keys keep it fast.  "x509 -req -days -1" makes a certificate
# whose notAfter is a day before its notBefore (now): already expired,
# with no clock tricks (OpenSSL 3.0 has no -not_after).  The extensions
# are those docs/tls.md tells users to give their certificates.
set -e
cd "$1"
cat > tls-ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[noeku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
EOF
newkey () {
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/O=nfvs test/CN=$2" -keyout "$1.key" -out "$1.csr" \
        2>/dev/null
}
newca () {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -subj "/O=nfvs test/CN=$2" -days 2 -keyout "$1.key" \
        -config tls-ext.cnf -extensions ca -out "$1.crt" 2>/dev/null
}
# sign NAME CA SERIAL DAYS EXTENSIONS
sign () {
    openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" \
        -set_serial "$3" -days "$4" -extfile tls-ext.cnf -extensions "$5" \
        -out "$1.crt" 2>/dev/null
    rm -f "$1.csr"
}
newca ca nfvs-test-ca
newca rogue-ca rogue-ca
newkey server nfvs-server && sign server ca 1 2 server
newkey client nfvs-client && sign client ca 2 2 client
newkey expired nfvs-client && sign expired ca 3 -1 client
newkey rogue nfvs-client && sign rogue rogue-ca 4 2 client
newkey noeku nfvs-client && sign noeku ca 5 2 noeku
