const std = @import("std");
const Allocator = std.mem.Allocator;

/// A fixed-capacity ring buffer of integers.
pub const Ring = struct {
    items: []i32,
    head: usize = 0,
    len: usize = 0,

    pub fn init(allocator: Allocator, capacity: usize) !Ring {
        return Ring{ .items = try allocator.alloc(i32, capacity) };
    }

    pub fn push(self: *Ring, value: i32) void {
        const index = (self.head + self.len) % self.items.len;
        self.items[index] = value;
        if (self.len < self.items.len) {
            self.len += 1;
        } else {
            self.head = (self.head + 1) % self.items.len;
        }
    }
};

pub fn main() !void {
    var gpa = std.heap.GeneralPurposeAllocator(.{}){};
    defer _ = gpa.deinit();
    var ring = try Ring.init(gpa.allocator(), 3);
    defer gpa.allocator().free(ring.items);
    var i: i32 = 0;
    while (i < 5) : (i += 1) {
        ring.push(i);
    }
    std.debug.print("len = {d}\n", .{ring.len});
}

test "ring wraps around" {
    var buf = [_]i32{0} ** 2;
    var ring = Ring{ .items = &buf };
    ring.push(1);
    ring.push(2);
    ring.push(3);
    try std.testing.expectEqual(@as(usize, 2), ring.len);
}
