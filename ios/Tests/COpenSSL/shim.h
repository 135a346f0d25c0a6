// The EVP API (OpenSSL 3): EC P-256 key generation, ECDSA-SHA256 signatures (DER), SEC1 public
// key export. Used by ios/Tests/MonidTests/OpenSSLKeyStore.swift only.
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
