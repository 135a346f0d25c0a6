// COMPILE-ONLY STUB of the Android API (see ../nfc/Tag.java). SDK_INT is not a compile-time
// constant in the SDK either (it is read from the system at run time).
package android.os;

public class Build {
    public Build() { throw new RuntimeException("Stub!"); }

    public static class VERSION {
        public VERSION() { throw new RuntimeException("Stub!"); }
        public static final int SDK_INT = Integer.parseInt("0");
    }
}
