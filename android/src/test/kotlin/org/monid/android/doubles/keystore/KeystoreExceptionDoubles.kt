// JVM test doubles of the Android Keystore exceptions, with the platform's simple names and
// superclasses but in a package of their own: KeystoreSupport classifies by fully qualified
// name, and the tests hand it these names (KeystoreSupport.FrameworkNames). They are NOT
// declared under the android.* names: in a Gradle unit-test run android.jar (API 35) is on the
// classpath too, and a test class named android.security.KeyStoreException would shadow the
// platform class or be shadowed by it, depending on the classpath order (the mockable jar's
// constructors throw "Method ... not mocked", and the double's constructor does not exist there).
package org.monid.android.doubles.keystore

/** Double of `android.security.keystore.KeyPermanentlyInvalidatedException`. */
class KeyPermanentlyInvalidatedException(message: String? = null) : java.security.InvalidKeyException(message)

/** Double of `android.security.keystore.UserNotAuthenticatedException`. */
class UserNotAuthenticatedException(message: String? = null) : java.security.InvalidKeyException(message)

/** Double of `android.security.keystore.StrongBoxUnavailableException` (API 28). */
class StrongBoxUnavailableException(message: String? = null) : java.security.ProviderException(message)
