// JVM test double of android.security.KeyStoreException (API 33): see
// keystore/KeystoreExceptionDoubles.kt.
package android.security

class KeyStoreException(private val needsAuth: Boolean, message: String? = null) : Exception(message) {
    fun requiresUserAuthentication(): Boolean = needsAuth
}
