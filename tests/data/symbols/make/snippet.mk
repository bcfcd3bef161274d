# Build rules for the C helper library.
CC ?= cc
CFLAGS := -O2 -Wall -Wextra
SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:.c=.o)

.PHONY: all clean test

all: libhelper.a

libhelper.a: $(OBJS)
	$(AR) rcs $@ $^

%.o: %.c include/helper.h
	$(CC) $(CFLAGS) -Iinclude -c $< -o $@

test: all
	@echo "running tests"
	./run-tests.sh

ifeq ($(DEBUG),1)
CFLAGS += -g
endif

clean:
	rm -f $(OBJS) libhelper.a
