// COMPILE-ONLY STUB of the Android API (see ../../nfc/Tag.java).
package android.security.keystore;

public final class KeyGenParameterSpec implements java.security.spec.AlgorithmParameterSpec {
    private KeyGenParameterSpec() { throw new RuntimeException("Stub!"); }

    public static final class Builder {
        public Builder(String keystoreAlias, int purposes) { throw new RuntimeException("Stub!"); }
        public Builder setAlgorithmParameterSpec(java.security.spec.AlgorithmParameterSpec spec) { throw new RuntimeException("Stub!"); }
        public Builder setDigests(String... digests) { throw new RuntimeException("Stub!"); }
        public Builder setIsStrongBoxBacked(boolean isStrongBoxBacked) { throw new RuntimeException("Stub!"); }
        public Builder setUserAuthenticationRequired(boolean required) { throw new RuntimeException("Stub!"); }
        public Builder setUserAuthenticationParameters(int timeout, int type) { throw new RuntimeException("Stub!"); }
        public Builder setUserAuthenticationValidityDurationSeconds(int seconds) { throw new RuntimeException("Stub!"); }
        public Builder setInvalidatedByBiometricEnrollment(boolean invalidateKey) { throw new RuntimeException("Stub!"); }
        public Builder setAttestationChallenge(byte[] attestationChallenge) { throw new RuntimeException("Stub!"); }
        public KeyGenParameterSpec build() { throw new RuntimeException("Stub!"); }
    }
}
