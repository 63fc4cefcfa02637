#! /bin/sh
# tls-certs.sh DIR: makes throw-away TLS material for the tests in DIR:
#   ca.crt ca.key             the test CA
#   server.crt server.key     signed by the CA (CN=nfvs-server)
#   client.crt client.key     signed by the CA (CN=nfvs-client)
#   expired.crt expired.key   signed by the CA, validity ended a day ago
#   rogue-ca.crt              another CA
#   rogue.crt rogue.key       signed by the other CA (CN=nfvs-client)
# EC P-256 keys keep it fast.  "x509 -req -days -1" makes a certificate
# whose notAfter is a day before its notBefore (now): already expired,
# with no clock tricks (OpenSSL 3.0 has no -not_after).
set -e
cd "$1"
newkey () {
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/O=nfvs test/CN=$2" -keyout "$1.key" -out "$1.csr" \
        2>/dev/null
}
newca () {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -subj "/O=nfvs test/CN=$2" -days 2 -keyout "$1.key" \
        -out "$1.crt" 2>/dev/null
}
sign () {
    openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" \
        -set_serial "$3" -days "$4" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr"
}
newca ca nfvs-test-ca
newca rogue-ca rogue-ca
newkey server nfvs-server && sign server ca 1 2
newkey client nfvs-client && sign client ca 2 2
newkey expired nfvs-client && sign expired ca 3 -1
newkey rogue nfvs-client && sign rogue rogue-ca 4 2
