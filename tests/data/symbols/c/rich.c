/* Definitions a C outline must show: typedefs of every shape, tagged types, macros. */
#include <stddef.h>

#define BUFFER_SIZE 64
#define MAX(a, b) ((a) > (b) ? (a) : (b))

struct list;                       /* forward declaration: not a definition */

typedef struct node {
    int value;
    struct node *next;
    void (*visit)(struct node *);
} node_t, *node_ptr;

typedef struct {
    double x, y;
} point;

typedef unsigned long size_type;
typedef int (*compare_fn)(const void *, const void *);
typedef void handler_fn(int);
typedef char name_buf[32];

union value {
    int i;
    double d;
};

enum color { RED, GREEN = 2, BLUE };

static int counter = 0;
const char *names[] = { "a", "b" };
extern int shared;

int add(int a, int b);             /* prototype: a declaration */

int add(int a, int b)
{
    return a + b;
}

static inline char *duplicate(const char *s)
{
    (void)s;
    return NULL;
}

node_t **find_all(node_t *head)
{
    (void)head;
    return NULL;
}

void (*signal_handler(int sig, void (*fn)(int)))(int)
{
    (void)sig;
    return fn;
}

#ifdef DEBUG
static int debug_level = 1;
static void trace(const char *msg) { (void)msg; }
#endif

/* A calling-convention macro before a function-pointer typedef's name (as OpenGL's APIENTRYP). */
typedef GLboolean (APIENTRYP PFNDEMOISLISTPROC) (GLuint list);
typedef void *(APIENTRYP PFNDEMOMAPPROC) (GLenum target, GLenum access);
typedef const char *(DEMOAPIENTRYP PFNDEMOQUERYPROC) (DemoDisplay dpy);
typedef void (APIENTRYP PFNDEMOCLEARPROC) (GLbitfield mask);
typedef DemoBoolean (DEMOAPIENTRYP PFNDEMOINITPROC) (DemoDisplay dpy, DemoInt *major);
typedef int (plain_parenthesized);
