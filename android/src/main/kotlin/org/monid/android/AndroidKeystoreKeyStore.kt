package org.monid.android

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyInfo
import android.security.keystore.KeyProperties
import java.security.KeyFactory
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import uniffi.monid.DeviceKeyException
import uniffi.monid.DeviceKeyOptions
import uniffi.monid.DeviceKeyStore

/**
 * Lets the app authenticate the user for one signature of a key created with
 * `userAuthenticationRequired` (per-use authentication: such a key signs only through a
 * `Signature` unlocked by `BiometricPrompt`).
 *
 * [authenticate] is called on the worker thread that builds the receipt (never the UI thread)
 * with a `Signature` already initialised for signing. Show `BiometricPrompt` on the main thread
 * with `BiometricPrompt.CryptoObject(signature)`, block until the user answers, and return
 * `result.cryptoObject.signature`. Throw [DeviceKeyException.UserCancelled] when the user
 * dismisses the prompt (`ERROR_USER_CANCELED`, `ERROR_NEGATIVE_BUTTON`),
 * [DeviceKeyException.Cancelled] when the app cancels it, and
 * [DeviceKeyException.AuthenticationFailed] on lockout or other errors:
 *
 * ```
 * val authenticator = SignatureAuthenticator { _, signature ->
 *     val done = CountDownLatch(1)
 *     var unlocked: Signature? = null
 *     var failure: DeviceKeyException = DeviceKeyException.AuthenticationFailed()
 *     activity.runOnUiThread {
 *         BiometricPrompt(activity, mainExecutor, object : BiometricPrompt.AuthenticationCallback() {
 *             override fun onAuthenticationSucceeded(r: BiometricPrompt.AuthenticationResult) {
 *                 unlocked = r.cryptoObject?.signature; done.countDown()
 *             }
 *             override fun onAuthenticationError(code: Int, msg: CharSequence) {
 *                 if (code == BiometricPrompt.ERROR_USER_CANCELED || code == BiometricPrompt.ERROR_NEGATIVE_BUTTON)
 *                     failure = DeviceKeyException.UserCancelled()
 *                 done.countDown()
 *             }
 *         }).authenticate(promptInfo, BiometricPrompt.CryptoObject(signature))
 *     }
 *     done.await()
 *     unlocked ?: throw failure
 * }
 * ```
 */
fun interface SignatureAuthenticator {
    /** Returns [signature] unlocked by the user's authentication (blocking), or throws. */
    fun authenticate(alias: String, signature: Signature): Signature
}

/**
 * A [DeviceKeyStore] over the Android Keystore: P-256 signing keys that never leave the
 * device's secure hardware (StrongBox when present, otherwise the TEE).
 *
 * **generate** creates the key with `KeyPairGenerator.getInstance("EC", "AndroidKeyStore")`
 * (secp256r1, `PURPOSE_SIGN`, SHA-256):
 * - StrongBox is requested when the device declares `FEATURE_STRONGBOX_KEYSTORE` (needs a
 *   [context]) or when `hardwareRequired`. If StrongBox refuses
 *   (`StrongBoxUnavailableException`): with `hardwareRequired` the call fails with
 *   [DeviceKeyException.HardwareUnavailable]; otherwise the key is created again **in the TEE**
 *   (a silent fallback only when hardware was not required).
 * - `hardwareRequired` means StrongBox: before API 28 (no StrongBox API) the call fails with
 *   `HardwareUnavailable`; after creation the key's `KeyInfo` is checked (`securityLevel` is
 *   StrongBox on API 31+, `isInsideSecureHardware` before): a key outside secure hardware is
 *   deleted and the call fails with `HardwareUnavailable`. Never a software (or TEE) downgrade.
 * - `userAuthenticationRequired`: `setUserAuthenticationRequired(true)` with per-use
 *   authentication (`setUserAuthenticationParameters(0, AUTH_BIOMETRIC_STRONG or
 *   AUTH_DEVICE_CREDENTIAL)` on API 30+, validity -1 = strong biometrics before) and
 *   `setInvalidatedByBiometricEnrollment(true)`. Without a secure lock screen Android refuses
 *   the key: [DeviceKeyException.HardwareUnavailable].
 * - A key already under the alias: [DeviceKeyException.AlreadyExists].
 *
 * **Attestation.** Android binds the attestation challenge when the key is CREATED
 * (`setAttestationChallenge`), not when the chain is read. Create the key with
 * [generate]`(alias, options, attestationChallenge)` to get an attestation; [attestation]
 * returns `KeyStore.getCertificateChain(alias)` only when the leaf's attested challenge (the
 * KeyDescription extension, [KeystoreSupport.KEY_ATTESTATION_OID]) equals the `challenge`
 * asked for, and an EMPTY list otherwise (no attestation, or one bound to another challenge): it
 * never hands out a chain that attests a challenge other than the one requested. monid's
 * enrolment asks for `SHA-256("monid-enrolment-attest-v1" || EF.SOD)`, which is only known after
 * the card is read: `uniffi.monid.enrolmentAttestationChallenge(document)` returns it, so an
 * enrolling app reads the card, then generates the device key with that challenge, then enrols.
 *
 * **sign** uses `Signature.getInstance("SHA256withECDSA")` and returns its DER signature.
 * `KeyPermanentlyInvalidatedException` (biometrics re-enrolled, lock screen removed) becomes
 * [DeviceKeyException.KeyInvalidated] (the app must enrol again); `UserNotAuthenticatedException`
 * (or a Keystore error asking for authentication) becomes
 * [DeviceKeyException.AuthenticationFailed]; anything else becomes
 * [DeviceKeyException.Platform] naming the step and the exception classes only. For a key that
 * requires user authentication, pass an [authenticator] (BiometricPrompt with a `CryptoObject`,
 * see [SignatureAuthenticator]); without one such a key cannot sign (`AuthenticationFailed`).
 * [signatureFor] gives the initialised `Signature` the store hands to the authenticator (for a
 * signature outside receipts; receipts always sign through [sign]).
 *
 * Thread-safe; every call may block (Keystore IPC, the prompt): call it off the UI thread, as
 * `createReceipt` / [org.monid.MonidReceipts] do.
 *
 * NOT VERIFIED ON A DEVICE: compiled in CI against stubs of the `android.*` classes; the pure
 * parts ([KeystoreSupport]) are unit-tested on the JVM.
 */
class AndroidKeystoreKeyStore @JvmOverloads constructor(
    /** Used only to ask whether the device has StrongBox; null: StrongBox only when required. */
    private val context: Context?,
    /** Authenticates the user for keys created with `userAuthenticationRequired`. */
    private val authenticator: SignatureAuthenticator? = null,
    /** The JCA provider and KeyStore type (the platform's "AndroidKeyStore"). */
    private val provider: String = PROVIDER,
) : DeviceKeyStore {
    private fun keyStore(): KeyStore = KeyStore.getInstance(provider).apply { load(null) }

    /** Runs [block]; whatever it throws (an `Error` too: uniffi's glue only catches
     *  `Exception`) leaves as a [DeviceKeyException] ([KeystoreSupport.toDeviceKeyException]). */
    private inline fun <T> guarded(step: String, block: () -> T): T = try {
        block()
    } catch (t: Throwable) {
        throw KeystoreSupport.toDeviceKeyException(t, step)
    }

    private fun hasStrongBox(): Boolean {
        val ctx = context ?: return false
        return Build.VERSION.SDK_INT >= 28 &&
            runCatching { ctx.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE) }
                .getOrDefault(false)
    }

    override fun generate(alias: String, options: DeviceKeyOptions): ByteArray =
        generate(alias, options, null)

    /**
     * Creates the key; with [attestationChallenge] (at most 128 bytes) Android attests it over
     * that challenge (see the class doc). Returns the SEC1 uncompressed public key.
     */
    @Throws(DeviceKeyException::class)
    fun generate(alias: String, options: DeviceKeyOptions, attestationChallenge: ByteArray?): ByteArray =
        guarded("generate") { generateKey(alias, options, attestationChallenge) }

    private fun generateKey(alias: String, options: DeviceKeyOptions, attestationChallenge: ByteArray?): ByteArray {
        val ks = guarded("open") { keyStore() }
        if (guarded("lookup") { ks.containsAlias(alias) }) throw DeviceKeyException.AlreadyExists()
        // Dedicated hardware means StrongBox, which exists from API 28.
        if (options.hardwareRequired && Build.VERSION.SDK_INT < 28) throw DeviceKeyException.HardwareUnavailable()
        val strongBox = options.hardwareRequired || hasStrongBox()
        try {
            create(alias, options, attestationChallenge, strongBox)
        } catch (e: Exception) {
            KeystoreSupport.onGenerateFailure(e, options.hardwareRequired, options.userAuthenticationRequired)
                ?.let { throw it }
            // StrongBox refused and hardware not required: the TEE.
            try {
                create(alias, options, attestationChallenge, strongBox = false)
            } catch (again: Exception) {
                throw KeystoreSupport.onGenerateFailure(again, true, options.userAuthenticationRequired)
                    ?: DeviceKeyException.HardwareUnavailable()
            }
        }
        // A key whose KeyInfo cannot be read is not known to be in secure hardware either.
        if (options.hardwareRequired && !runCatching { insideSecureHardware(ks, alias) }.getOrDefault(false)) {
            runCatching { ks.deleteEntry(alias) }
            throw DeviceKeyException.HardwareUnavailable()
        }
        return publicKey(alias)
    }

    private fun create(alias: String, options: DeviceKeyOptions, challenge: ByteArray?, strongBox: Boolean) {
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
            .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
            .setDigests(KeyProperties.DIGEST_SHA256)
        if (strongBox && Build.VERSION.SDK_INT >= 28) spec.setIsStrongBoxBacked(true)
        if (options.userAuthenticationRequired) {
            spec.setUserAuthenticationRequired(true)
            if (Build.VERSION.SDK_INT >= 30) {
                spec.setUserAuthenticationParameters(
                    0,
                    KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
                )
            } else {
                @Suppress("DEPRECATION")
                spec.setUserAuthenticationValidityDurationSeconds(-1)
            }
            spec.setInvalidatedByBiometricEnrollment(true)
        }
        if (challenge != null) spec.setAttestationChallenge(challenge)
        val generator = KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, provider)
        generator.initialize(spec.build())
        generator.generateKeyPair()
    }

    private fun keyInfo(ks: KeyStore, alias: String): KeyInfo {
        val key = ks.getKey(alias, null) as? PrivateKey ?: throw DeviceKeyException.NotFound()
        return KeyFactory.getInstance(key.algorithm, provider).getKeySpec(key, KeyInfo::class.java)
    }

    private fun insideSecureHardware(ks: KeyStore, alias: String): Boolean {
        val info = keyInfo(ks, alias)
        return if (Build.VERSION.SDK_INT >= 31) {
            info.securityLevel == KeyProperties.SECURITY_LEVEL_STRONGBOX
        } else {
            @Suppress("DEPRECATION")
            info.isInsideSecureHardware
        }
    }

    override fun publicKey(alias: String): ByteArray = guarded("public key") {
        val cert = keyStore().getCertificate(alias) ?: throw DeviceKeyException.NotFound()
        KeystoreSupport.sec1Uncompressed(cert.publicKey)
    }

    /**
     * A `SHA256withECDSA` `Signature` initialised with the key under [alias] (what [sign] hands
     * to the [SignatureAuthenticator]), for signing outside receipts. Throws like [sign].
     */
    @Throws(DeviceKeyException::class)
    fun signatureFor(alias: String): Signature = guarded("sign") {
        val key = keyStore().getKey(alias, null) as? PrivateKey ?: throw DeviceKeyException.NotFound()
        Signature.getInstance(SIGNATURE_ALGORITHM).apply { initSign(key) }
    }

    override fun sign(alias: String, message: ByteArray): ByteArray = guarded("sign") {
        var signature = signatureFor(alias)
        val auth = authenticator
        if (auth != null && keyInfo(keyStore(), alias).isUserAuthenticationRequired) {
            signature = auth.authenticate(alias, signature)
        }
        signature.update(message)
        signature.sign()
    }

    override fun delete(alias: String) = guarded("delete") {
        val ks = keyStore()
        if (!ks.containsAlias(alias)) throw DeviceKeyException.NotFound()
        ks.deleteEntry(alias)
    }

    override fun attestation(alias: String, challenge: ByteArray): List<ByteArray> = guarded("attestation") {
        val ks = keyStore()
        if (!ks.containsAlias(alias)) throw DeviceKeyException.NotFound()
        val chain = ks.getCertificateChain(alias)?.map { it.encoded } ?: emptyList()
        val attested = chain.firstOrNull()?.let { KeystoreSupport.attestationChallengeOfCertificate(it) }
        if (attested != null && chain.size > 1 && attested.contentEquals(challenge)) chain else emptyList()
    }

    companion object {
        /** The platform's Keystore provider. */
        const val PROVIDER = "AndroidKeyStore"

        /** ECDSA over P-256 with SHA-256; DER signatures. */
        const val SIGNATURE_ALGORITHM = "SHA256withECDSA"
    }
}
