// JVM test double of android.security.KeyStoreException (API 33): see
// keystore/KeystoreExceptionDoubles.kt for why it lives in this package.
package org.monid.android.doubles

/** Double of `android.security.KeyStoreException`, with its `requiresUserAuthentication()`. */
class KeyStoreException(private val needsAuth: Boolean, message: String? = null) : Exception(message) {
    fun requiresUserAuthentication(): Boolean = needsAuth
}
