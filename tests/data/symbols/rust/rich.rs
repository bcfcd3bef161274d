//! Definitions a Rust outline must show.

pub mod geometry {
    pub const ORIGIN: (f64, f64) = (0.0, 0.0);
    pub static mut COUNTER: u32 = 0;

    #[derive(Debug, Clone)]
    pub struct Point<T> {
        pub x: T,
        pub y: T,
    }

    pub struct Unit;
    pub struct Pair(i32, i32);

    pub enum Shape {
        Circle { radius: f64 },
        Square(f64),
        Empty,
    }

    pub union Bits {
        int: u32,
        float: f32,
    }

    pub trait Area {
        type Output;
        fn area(&self) -> f64;
        fn describe(&self) -> String {
            format!("{}", self.area())
        }
    }

    impl<T: Copy> Point<T> {
        pub fn new(x: T, y: T) -> Self {
            Point { x, y }
        }
    }

    impl Area for Shape {
        type Output = f64;
        fn area(&self) -> f64 {
            0.0
        }
    }

    pub type Meters = f64;
}

macro_rules! square {
    ($x:expr) => {
        $x * $x
    };
}

extern "C" {
    fn abs(input: i32) -> i32;
}

async fn fetch() -> u8 {
    fn nested() -> u8 {
        1
    }
    nested()
}

fn main() {
    let _ = square!(2);
}
