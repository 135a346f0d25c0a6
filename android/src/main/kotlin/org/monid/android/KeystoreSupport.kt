package org.monid.android

import java.math.BigInteger
import java.security.KeyFactory
import java.security.PublicKey
import java.security.interfaces.ECPublicKey
import java.security.spec.X509EncodedKeySpec
import uniffi.monid.DeviceKeyException

/**
 * The platform-independent part of [AndroidKeystoreKeyStore]: public-key conversion, the
 * mapping of what the Android Keystore throws to [DeviceKeyException], and reading the
 * challenge out of an Android key attestation certificate. Nothing here touches `android.*`,
 * so it runs (and is tested) on a plain JVM.
 *
 * Exceptions are classified by CLASS NAME along the superclass and cause chains instead of
 * `is` checks: `StrongBoxUnavailableException` (API 28) and `android.security.KeyStoreException`
 * (API 33) do not exist on every supported Android version (minSdk 24), and the Keystore often
 * wraps the telling exception (a `SignatureException` caused by a `KeyStoreException`, an
 * `InvalidKeyException` that IS a `KeyPermanentlyInvalidatedException`).
 */
object KeystoreSupport {
    /** P-256's field prime (SEC 2, secp256r1 `p`). */
    private val P256_P = BigInteger("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16)

    /** P-256's group order (SEC 2, secp256r1 `n`). */
    private val P256_N = BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16)

    /**
     * The key as a SEC1 uncompressed point, 65 bytes `04 || x || y` (each coordinate left-padded
     * to 32 bytes). Refuses any curve other than P-256 with [DeviceKeyException.Corrupted].
     */
    @JvmStatic
    fun sec1Uncompressed(key: ECPublicKey): ByteArray {
        val params = key.params
        val field = params.curve.field
        val prime = (field as? java.security.spec.ECFieldFp)?.p
        if (prime != P256_P || params.order != P256_N) {
            throw DeviceKeyException.Corrupted("public key is not on P-256")
        }
        val out = ByteArray(65)
        out[0] = 0x04
        putCoordinate(key.w.affineX, out, 1)
        putCoordinate(key.w.affineY, out, 33)
        return out
    }

    /** [sec1Uncompressed] of any public key (an `ECPublicKey`, or X.509 SubjectPublicKeyInfo). */
    @JvmStatic
    fun sec1Uncompressed(key: PublicKey): ByteArray = when (key) {
        is ECPublicKey -> sec1Uncompressed(key)
        else -> sec1FromSubjectPublicKeyInfo(
            key.encoded ?: throw DeviceKeyException.Corrupted("public key has no encoding"),
        )
    }

    /** [sec1Uncompressed] of a DER X.509 SubjectPublicKeyInfo. */
    @JvmStatic
    fun sec1FromSubjectPublicKeyInfo(spki: ByteArray): ByteArray {
        val key = try {
            KeyFactory.getInstance("EC").generatePublic(X509EncodedKeySpec(spki))
        } catch (e: Exception) {
            throw DeviceKeyException.Corrupted("public key is not an EC SubjectPublicKeyInfo")
        }
        return sec1Uncompressed(key as? ECPublicKey ?: throw DeviceKeyException.Corrupted("not an EC key"))
    }

    private fun putCoordinate(v: BigInteger, out: ByteArray, at: Int) {
        if (v.signum() < 0 || v.bitLength() > 256) throw DeviceKeyException.Corrupted("coordinate out of range")
        val b = v.toByteArray() // big-endian, may carry a leading 0 or be shorter than 32
        val start = if (b.size > 32) b.size - 32 else 0
        val len = b.size - start
        System.arraycopy(b, start, out, at + 32 - len, len)
    }

    /** What a Keystore failure means for the [uniffi.monid.DeviceKeyStore] contract. */
    enum class Failure {
        /** `KeyPermanentlyInvalidatedException`: the biometric enrolment changed or the lock
         *  screen was removed; the key is gone for good. */
        KEY_INVALIDATED,

        /** `UserNotAuthenticatedException`, or a `KeyStoreException` (API 33) that
         *  `requiresUserAuthentication()`: the key needs user authentication first. */
        NOT_AUTHENTICATED,

        /** `StrongBoxUnavailableException`: no StrongBox on this device. */
        STRONGBOX_UNAVAILABLE,

        /** Anything else. */
        OTHER,
    }

    /**
     * The framework classes [classify] recognises, by fully qualified name. [ANDROID] is the
     * platform's; the JVM tests pass the names of doubles declared in a package of their own
     * (declaring them under the `android.*` names would shadow, or be shadowed by, the classes
     * of `android.jar` on a Gradle unit-test classpath).
     */
    internal class FrameworkNames(keystorePackage: String, securityPackage: String) {
        val keyInvalidated = keystorePackage + "KeyPermanentlyInvalidatedException"
        val notAuthenticated = keystorePackage + "UserNotAuthenticatedException"
        val strongBoxUnavailable = keystorePackage + "StrongBoxUnavailableException"
        val keyStoreException = securityPackage + "KeyStoreException"

        companion object {
            val ANDROID = FrameworkNames("android.security.keystore.", "android.security.")
        }
    }

    private const val MAX_CAUSES = 8

    /** Classifies [t] by the class names along its superclass and cause chains. */
    @JvmStatic
    fun classify(t: Throwable): Failure = classify(t, FrameworkNames.ANDROID)

    internal fun classify(t: Throwable, names: FrameworkNames): Failure {
        var current: Throwable? = t
        var depth = 0
        while (current != null && depth < MAX_CAUSES) {
            var c: Class<*>? = current.javaClass
            while (c != null && c != Throwable::class.java) {
                when (c.name) {
                    names.keyInvalidated -> return Failure.KEY_INVALIDATED
                    names.notAuthenticated -> return Failure.NOT_AUTHENTICATED
                    names.strongBoxUnavailable -> return Failure.STRONGBOX_UNAVAILABLE
                    names.keyStoreException ->
                        if (requiresUserAuthentication(current)) return Failure.NOT_AUTHENTICATED
                }
                c = c.superclass
            }
            current = current.cause.takeIf { it !== current }
            depth++
        }
        return Failure.OTHER
    }

    /** `android.security.KeyStoreException.requiresUserAuthentication()` (API 33), by reflection. */
    private fun requiresUserAuthentication(e: Throwable): Boolean = try {
        e.javaClass.getMethod("requiresUserAuthentication").invoke(e) == true
    } catch (_: Exception) {
        false
    }

    /**
     * Maps what a Keystore operation threw to the [DeviceKeyException] the Rust side expects.
     * A [DeviceKeyException] passes through unchanged; [step] names the operation ("sign",
     * "generate"...) for [DeviceKeyException.Platform], whose reason names the step and the
     * exception's class only (never its message, which may quote an alias or data).
     * `InterruptedException` (interrupt flag restored) and
     * `java.util.concurrent.CancellationException` are [DeviceKeyException.Cancelled]; a
     * `Throwable` that is not an `Exception` is [DeviceKeyException.Unexpected] with its fully
     * qualified class name ONLY: the Rust side keeps just the leading type name of an
     * `Unexpected` reason (`exception_type`), so neither [step] nor the cause chain would
     * survive, and a step before the class would replace it.
     */
    @JvmStatic
    fun toDeviceKeyException(t: Throwable, step: String): DeviceKeyException =
        toDeviceKeyException(t, step, FrameworkNames.ANDROID)

    internal fun toDeviceKeyException(t: Throwable, step: String, names: FrameworkNames): DeviceKeyException = when (t) {
        is DeviceKeyException -> t
        // A prompt waiting on a latch, interrupted: the flag is restored for the caller.
        is InterruptedException -> {
            Thread.currentThread().interrupt()
            DeviceKeyException.Cancelled()
        }
        is java.util.concurrent.CancellationException -> DeviceKeyException.Cancelled()
        // An Error (TODO(), AssertionError, StackOverflowError) in the authenticator or below.
        !is Exception -> DeviceKeyException.Unexpected(t.javaClass.name)
        else -> when (classify(t, names)) {
            Failure.KEY_INVALIDATED -> DeviceKeyException.KeyInvalidated()
            Failure.NOT_AUTHENTICATED -> DeviceKeyException.AuthenticationFailed()
            Failure.STRONGBOX_UNAVAILABLE -> DeviceKeyException.HardwareUnavailable()
            Failure.OTHER -> DeviceKeyException.Platform("$step failed: ${classNames(t)}")
        }
    }

    /**
     * What `generate` does when creating a key failed with [e]: null means "create it again
     * without StrongBox, in the TEE" (StrongBox refused and hardware was not required);
     * otherwise the exception to throw. StrongBox refused with [hardwareRequired]:
     * `HardwareUnavailable`. A key needing user authentication on a device without a secure lock
     * screen (or enrolled biometrics): Android throws `InvalidAlgorithmParameterException` /
     * `IllegalStateException`, reported as `HardwareUnavailable`.
     */
    @JvmStatic
    fun onGenerateFailure(
        e: Throwable,
        hardwareRequired: Boolean,
        userAuthenticationRequired: Boolean,
    ): DeviceKeyException? = onGenerateFailure(e, hardwareRequired, userAuthenticationRequired, FrameworkNames.ANDROID)

    internal fun onGenerateFailure(
        e: Throwable,
        hardwareRequired: Boolean,
        userAuthenticationRequired: Boolean,
        names: FrameworkNames,
    ): DeviceKeyException? = when {
        e is DeviceKeyException -> e
        classify(e, names) == Failure.STRONGBOX_UNAVAILABLE ->
            if (hardwareRequired) DeviceKeyException.HardwareUnavailable() else null
        userAuthenticationRequired &&
            (e is java.security.InvalidAlgorithmParameterException || e is IllegalStateException) ->
            DeviceKeyException.HardwareUnavailable()
        else -> toDeviceKeyException(e, "generate", names)
    }

    /** `Outer(Cause(Root))`: simple class names of the cause chain, no messages. */
    private fun classNames(t: Throwable): String {
        val names = mutableListOf<String>()
        var current: Throwable? = t
        while (current != null && names.size < 3) {
            names += current.javaClass.simpleName.ifEmpty { "anonymous" }
            current = current.cause.takeIf { it !== current }
        }
        return names.joinToString("(") + ")".repeat(names.size - 1)
    }

    /** The Android key attestation extension (KeyDescription), OID 1.3.6.1.4.1.11129.2.1.17. */
    const val KEY_ATTESTATION_OID = "1.3.6.1.4.1.11129.2.1.17"

    /**
     * The `attestationChallenge` of an Android key attestation extension, given what
     * `X509Certificate.getExtensionValue(KEY_ATTESTATION_OID)` returns (an OCTET STRING holding
     * the DER KeyDescription: `SEQUENCE { attestationVersion INTEGER, attestationSecurityLevel
     * ENUMERATED, keyMintVersion INTEGER, keyMintSecurityLevel ENUMERATED,
     * attestationChallenge OCTET STRING, ... }`). Null when malformed.
     */
    @JvmStatic
    fun attestationChallengeOfExtension(extensionValue: ByteArray): ByteArray? {
        val outer = Der(extensionValue)
        val desc = outer.next(0x04) ?: return null
        val seq = Der(desc).next(0x30) ?: return null
        val fields = Der(seq)
        fields.next(0x02) ?: return null // attestationVersion
        fields.next(0x0A) ?: return null // attestationSecurityLevel
        fields.next(0x02) ?: return null // keymaster/keyMint version
        fields.next(0x0A) ?: return null // keymaster/keyMint security level
        return fields.next(0x04)
    }

    /** The attestation challenge of a DER certificate (null: not an Android key attestation). */
    @JvmStatic
    fun attestationChallengeOfCertificate(der: ByteArray): ByteArray? = try {
        val cert = java.security.cert.CertificateFactory.getInstance("X.509")
            .generateCertificate(der.inputStream()) as java.security.cert.X509Certificate
        cert.getExtensionValue(KEY_ATTESTATION_OID)?.let { attestationChallengeOfExtension(it) }
    } catch (_: Exception) {
        null
    }

    /** A minimal no-throw DER walker (definite lengths, single-byte tags). */
    private class Der(private val b: ByteArray) {
        private var pos = 0

        /** The value of the next element if its tag is [tag]; null otherwise or when malformed. */
        fun next(tag: Int): ByteArray? {
            if (pos + 2 > b.size || (b[pos].toInt() and 0xFF) != tag) return null
            var i = pos + 1
            val first = b[i++].toInt() and 0xFF
            val len: Int = if (first < 0x80) {
                first
            } else {
                val n = first and 0x7F
                if (n == 0 || n > 3 || i + n > b.size) return null
                var l = 0
                repeat(n) { l = (l shl 8) or (b[i++].toInt() and 0xFF) }
                l
            }
            if (len < 0 || len > b.size - i) return null
            pos = i + len
            return b.copyOfRange(i, i + len)
        }
    }
}
