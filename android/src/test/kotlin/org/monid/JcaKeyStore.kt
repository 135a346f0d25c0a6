package org.monid

import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import org.monid.android.KeystoreSupport
import uniffi.monid.DeviceKeyException
import uniffi.monid.DeviceKeyOptions
import uniffi.monid.DeviceKeyStore

/**
 * A key store written in Kotlin over the JDK's own EC (secp256r1, SHA256withECDSA, DER): the
 * test double for the "receipt made with a key store written in that language". It
 * uses [KeystoreSupport.sec1Uncompressed] for its public keys, as the Android store does, so a
 * wrong conversion fails the receipt tests.
 */
class JcaKeyStore : DeviceKeyStore {
    private val keys = ConcurrentHashMap<String, KeyPair>()
    private val signs = AtomicInteger(0)

    /** Calls of [sign] (including failing ones). */
    val signCalls: Int get() = signs.get()

    override fun generate(alias: String, options: DeviceKeyOptions): ByteArray {
        if (options.hardwareRequired || options.userAuthenticationRequired) {
            throw DeviceKeyException.HardwareUnavailable()
        }
        val kpg = KeyPairGenerator.getInstance("EC")
        kpg.initialize(ECGenParameterSpec("secp256r1"))
        val pair = kpg.generateKeyPair()
        if (keys.putIfAbsent(alias, pair) != null) throw DeviceKeyException.AlreadyExists()
        return KeystoreSupport.sec1Uncompressed(pair.public as ECPublicKey)
    }

    override fun publicKey(alias: String): ByteArray =
        KeystoreSupport.sec1Uncompressed(pair(alias).public as ECPublicKey)

    override fun sign(alias: String, message: ByteArray): ByteArray {
        signs.incrementAndGet()
        val s = Signature.getInstance("SHA256withECDSA")
        s.initSign(pair(alias).private)
        s.update(message)
        return s.sign()
    }

    override fun delete(alias: String) {
        keys.remove(alias) ?: throw DeviceKeyException.NotFound()
    }

    override fun attestation(alias: String, challenge: ByteArray): List<ByteArray> {
        pair(alias)
        return emptyList() // the JDK has no key attestation
    }

    private fun pair(alias: String): KeyPair = keys[alias] ?: throw DeviceKeyException.NotFound()

    companion object {
        val PLAIN = DeviceKeyOptions(hardwareRequired = false, userAuthenticationRequired = false)
    }
}
