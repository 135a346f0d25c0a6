package org.monid.android

import java.security.InvalidKeyException
import java.security.KeyPairGenerator
import java.security.SignatureException
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.monid.android.doubles.KeyStoreException
import org.monid.android.doubles.keystore.KeyPermanentlyInvalidatedException
import org.monid.android.doubles.keystore.StrongBoxUnavailableException
import org.monid.android.doubles.keystore.UserNotAuthenticatedException
import uniffi.monid.DeviceKeyException

/**
 * The Android key store's pure logic, on the JVM. The Keystore exceptions are doubles in
 * `org.monid.android.doubles` (see there why not under their android.* names), recognised
 * through [doubles]; [frameworkNamesAreTheAndroidOnes] pins the names the shell uses on a device.
 */
class KeystoreSupportTest {
    private val doubles = KeystoreSupport.FrameworkNames(
        keystorePackage = "org.monid.android.doubles.keystore.",
        securityPackage = "org.monid.android.doubles.",
    )

    private fun p256(): ECPublicKey {
        val kpg = KeyPairGenerator.getInstance("EC")
        kpg.initialize(ECGenParameterSpec("secp256r1"))
        return kpg.generateKeyPair().public as ECPublicKey
    }

    @Test
    fun sec1IsTheUncompressedPointOfTheSubjectPublicKeyInfo() {
        val key = p256()
        val sec1 = KeystoreSupport.sec1Uncompressed(key)
        assertEquals(65, sec1.size)
        assertEquals(0x04.toByte(), sec1[0])
        // A P-256 SubjectPublicKeyInfo ends with the 65-byte uncompressed point (RFC 5480).
        val spki = key.encoded
        assertArrayEquals(spki.copyOfRange(spki.size - 65, spki.size), sec1)
        assertArrayEquals(sec1, KeystoreSupport.sec1FromSubjectPublicKeyInfo(spki))
        // Through the generic PublicKey overload too.
        assertArrayEquals(sec1, KeystoreSupport.sec1Uncompressed(key as java.security.PublicKey))
    }

    @Test
    fun sec1PadsShortCoordinates() {
        // About 1 key in 128 has a coordinate below 2^248 (a leading zero byte).
        var found = false
        for (i in 0 until 4000) {
            val key = p256()
            if (key.w.affineX.bitLength() <= 248 || key.w.affineY.bitLength() <= 248) {
                val spki = key.encoded
                assertArrayEquals(spki.copyOfRange(spki.size - 65, spki.size), KeystoreSupport.sec1Uncompressed(key))
                found = true
                break
            }
        }
        assertTrue("no key with a short coordinate in 4000 tries", found)
    }

    @Test
    fun otherCurvesAndGarbageAreCorrupted() {
        val kpg = KeyPairGenerator.getInstance("EC")
        kpg.initialize(ECGenParameterSpec("secp384r1"))
        val p384 = kpg.generateKeyPair().public as ECPublicKey
        try {
            KeystoreSupport.sec1Uncompressed(p384)
            fail("P-384 accepted")
        } catch (e: DeviceKeyException.Corrupted) {
            assertTrue(e.reason.contains("P-256"))
        }
        try {
            KeystoreSupport.sec1FromSubjectPublicKeyInfo(byteArrayOf(0x30, 0x03, 0x02, 0x01, 0x01))
            fail("garbage accepted")
        } catch (e: DeviceKeyException.Corrupted) {
            // expected
        }
    }

    @Test
    fun keystoreExceptionsMapToTheDeclaredErrors() {
        fun map(t: Throwable) = KeystoreSupport.toDeviceKeyException(t, "sign", doubles)
        assertTrue(map(KeyPermanentlyInvalidatedException()) is DeviceKeyException.KeyInvalidated)
        // Wrapped, as Signature.initSign / sign deliver them.
        assertTrue(map(SignatureException(KeyPermanentlyInvalidatedException())) is DeviceKeyException.KeyInvalidated)
        assertTrue(map(UserNotAuthenticatedException()) is DeviceKeyException.AuthenticationFailed)
        assertTrue(
            map(SignatureException(KeyStoreException(needsAuth = true)))
                is DeviceKeyException.AuthenticationFailed,
        )
        assertTrue(map(StrongBoxUnavailableException()) is DeviceKeyException.HardwareUnavailable)
        val declared = DeviceKeyException.UserCancelled()
        assertSame(declared, map(declared))

        // Anything else: Platform, naming the step and the classes, never the message.
        val other = map(SignatureException("alias secret-alias-42", KeyStoreException(false, "data 1234")))
        assertTrue(other is DeviceKeyException.Platform)
        val reason = (other as DeviceKeyException.Platform).reason
        assertEquals("sign failed: SignatureException(KeyStoreException)", reason)
        assertFalse(reason.contains("secret") || reason.contains("1234"))
        assertTrue(map(InvalidKeyException("x")) is DeviceKeyException.Platform)
    }

    @Test
    fun generationFailuresFallBackToTheTeeOnlyWhenHardwareIsNotRequired() {
        val strongBoxRefused = java.security.ProviderException("x", StrongBoxUnavailableException())
        // Not required: null = create it again in the TEE.
        assertNull(KeystoreSupport.onGenerateFailure(strongBoxRefused, false, false, doubles))
        assertTrue(
            KeystoreSupport.onGenerateFailure(strongBoxRefused, true, false, doubles) is DeviceKeyException.HardwareUnavailable,
        )
        // No secure lock screen for a key needing authentication.
        val noLockScreen = java.security.InvalidAlgorithmParameterException("lock screen")
        assertTrue(
            KeystoreSupport.onGenerateFailure(noLockScreen, hardwareRequired = false, userAuthenticationRequired = true)
                is DeviceKeyException.HardwareUnavailable,
        )
        val other = KeystoreSupport.onGenerateFailure(noLockScreen, hardwareRequired = false, userAuthenticationRequired = false)
        assertEquals("generate failed: InvalidAlgorithmParameterException", (other as DeviceKeyException.Platform).reason)
    }

    @Test
    fun frameworkNamesAreTheAndroidOnes() {
        val platform = KeystoreSupport.FrameworkNames.ANDROID
        assertEquals("android.security.keystore.KeyPermanentlyInvalidatedException", platform.keyInvalidated)
        assertEquals("android.security.keystore.UserNotAuthenticatedException", platform.notAuthenticated)
        assertEquals("android.security.keystore.StrongBoxUnavailableException", platform.strongBoxUnavailable)
        assertEquals("android.security.KeyStoreException", platform.keyStoreException)
        // The public entry points use them: the doubles (other names) are not recognised there.
        assertEquals(KeystoreSupport.Failure.OTHER, KeystoreSupport.classify(KeyPermanentlyInvalidatedException()))
        assertEquals(KeystoreSupport.Failure.KEY_INVALIDATED, KeystoreSupport.classify(KeyPermanentlyInvalidatedException(), doubles))
        assertTrue(KeystoreSupport.toDeviceKeyException(UserNotAuthenticatedException(), "sign") is DeviceKeyException.Platform)
    }

    @Test
    fun errorsInterruptionsAndCancellationsAreTypedWithoutMessages() {
        // An Error thrown by the authenticator or below: Unexpected, its class name only (Rust
        // keeps the leading type name of the reason: a step before it would replace the class).
        val todo = KeystoreSupport.toDeviceKeyException(NotImplementedError("secret-alias-42"), "sign")
        assertTrue(todo.toString(), todo is DeviceKeyException.Unexpected)
        assertEquals("kotlin.NotImplementedError", (todo as DeviceKeyException.Unexpected).reason)
        assertFalse(todo.toString().contains("secret"))
        val overflow = KeystoreSupport.toDeviceKeyException(StackOverflowError(), "generate")
        assertEquals("java.lang.StackOverflowError", (overflow as DeviceKeyException.Unexpected).reason)
        assertTrue(
            KeystoreSupport.toDeviceKeyException(java.util.concurrent.CancellationException(), "sign")
                is DeviceKeyException.Cancelled,
        )
        try {
            assertTrue(KeystoreSupport.toDeviceKeyException(InterruptedException(), "sign") is DeviceKeyException.Cancelled)
            assertTrue("interrupt flag restored", Thread.currentThread().isInterrupted)
        } finally {
            Thread.interrupted()
        }
    }

    @Test
    fun aCauseCycleDoesNotLoop() {
        val a = IllegalStateException("a")
        val b = IllegalArgumentException("b")
        a.initCause(b)
        b.initCause(a)
        assertEquals(KeystoreSupport.Failure.OTHER, KeystoreSupport.classify(a))
    }

    private fun tlv(tag: Int, value: ByteArray): ByteArray {
        val len = when {
            value.size < 0x80 -> byteArrayOf(value.size.toByte())
            value.size < 0x100 -> byteArrayOf(0x81.toByte(), value.size.toByte())
            else -> byteArrayOf(0x82.toByte(), (value.size shr 8).toByte(), value.size.toByte())
        }
        return byteArrayOf(tag.toByte()) + len + value
    }

    /** What getExtensionValue returns for a KeyDescription with [challenge] (AOSP's schema). */
    private fun extension(challenge: ByteArray): ByteArray {
        val desc = tlv(
            0x30,
            tlv(0x02, byteArrayOf(100)) + tlv(0x0A, byteArrayOf(2)) + tlv(0x02, byteArrayOf(100)) +
                tlv(0x0A, byteArrayOf(2)) + tlv(0x04, challenge) + tlv(0x04, ByteArray(0)) +
                tlv(0x30, ByteArray(0)) + tlv(0x30, ByteArray(0)),
        )
        return tlv(0x04, desc)
    }

    @Test
    fun attestationChallengeIsReadFromTheKeyDescription() {
        val short = ByteArray(32) { it.toByte() }
        assertArrayEquals(short, KeystoreSupport.attestationChallengeOfExtension(extension(short)))
        val long = ByteArray(128) { (255 - it).toByte() } // the Keystore's maximum, long-form length
        assertArrayEquals(long, KeystoreSupport.attestationChallengeOfExtension(extension(long)))
        // Malformed: truncated, wrong tags, empty.
        val ok = extension(short)
        assertNull(KeystoreSupport.attestationChallengeOfExtension(ok.copyOf(ok.size - 40)))
        assertNull(KeystoreSupport.attestationChallengeOfExtension(byteArrayOf(0x30) + ok.copyOfRange(1, ok.size)))
        assertNull(KeystoreSupport.attestationChallengeOfExtension(ByteArray(0)))
        assertNull(KeystoreSupport.attestationChallengeOfCertificate(byteArrayOf(1, 2, 3)))
    }
}
