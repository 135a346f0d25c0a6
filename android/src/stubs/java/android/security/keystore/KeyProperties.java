// COMPILE-ONLY STUB of the Android API (see ../../nfc/Tag.java). The constants carry the SDK's
// values because the compiler inlines them.
package android.security.keystore;

public abstract class KeyProperties {
    private KeyProperties() { throw new RuntimeException("Stub!"); }
    public static final String KEY_ALGORITHM_EC = "EC";
    public static final int PURPOSE_SIGN = 4;
    public static final String DIGEST_SHA256 = "SHA-256";
    public static final int AUTH_BIOMETRIC_STRONG = 1;
    public static final int AUTH_DEVICE_CREDENTIAL = 2;
    public static final int SECURITY_LEVEL_UNKNOWN_SECURE = -2;
    public static final int SECURITY_LEVEL_UNKNOWN = -1;
    public static final int SECURITY_LEVEL_SOFTWARE = 0;
    public static final int SECURITY_LEVEL_TRUSTED_ENVIRONMENT = 1;
    public static final int SECURITY_LEVEL_STRONGBOX = 2;
}
