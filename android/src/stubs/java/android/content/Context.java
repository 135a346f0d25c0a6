// COMPILE-ONLY STUB of the Android API (see ../nfc/Tag.java).
package android.content;

public abstract class Context {
    public Context() { throw new RuntimeException("Stub!"); }
}
