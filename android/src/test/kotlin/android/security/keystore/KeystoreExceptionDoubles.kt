// JVM test doubles carrying the Android Keystore exceptions' fully qualified names, so that
// KeystoreSupport's class-name classification is tested against the names Android uses. The
// main code never references these classes (it matches names), so no stub of them exists and
// nothing clashes; on a device the platform's own classes are the ones seen.
package android.security.keystore

class KeyPermanentlyInvalidatedException(message: String? = null) : java.security.InvalidKeyException(message)

class UserNotAuthenticatedException(message: String? = null) : java.security.InvalidKeyException(message)

class StrongBoxUnavailableException(message: String? = null) : java.security.ProviderException(message)
