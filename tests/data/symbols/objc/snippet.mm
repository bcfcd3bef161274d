#import <Foundation/Foundation.h>

// A simple to-do item.
@interface TodoItem : NSObject
@property (nonatomic, copy) NSString *title;
@property (nonatomic, assign) BOOL done;
- (instancetype)initWithTitle:(NSString *)title;
- (void)toggle;
@end

@implementation TodoItem

- (instancetype)initWithTitle:(NSString *)title {
    self = [super init];
    if (self) {
        _title = [title copy];
        _done = NO;
    }
    return self;
}

- (void)toggle {
    self.done = !self.done;
}

@end

int main(int argc, const char *argv[]) {
    @autoreleasepool {
        TodoItem *item = [[TodoItem alloc] initWithTitle:@"Write snippet"];
        [item toggle];
        NSLog(@"%@ done: %d", item.title, item.done);
    }
    return 0;
}
