// COMPILE-ONLY STUB of the Android API (see ../../nfc/Tag.java).
package android.security.keystore;

public class KeyInfo implements java.security.spec.KeySpec {
    KeyInfo() { throw new RuntimeException("Stub!"); }
    /** @deprecated API 31: use {@link #getSecurityLevel()}. */
    @Deprecated
    public boolean isInsideSecureHardware() { throw new RuntimeException("Stub!"); }
    /** API 31. */
    public int getSecurityLevel() { throw new RuntimeException("Stub!"); }
    public boolean isUserAuthenticationRequired() { throw new RuntimeException("Stub!"); }
}
