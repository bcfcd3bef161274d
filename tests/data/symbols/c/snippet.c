#include <stdio.h>
#include <stdlib.h>

#define MAX_NODES 64

/* A singly linked list node. */
struct node {
    int value;
    struct node *next;
};

static struct node *push(struct node *head, int value)
{
    struct node *n = malloc(sizeof *n);
    if (n == NULL) {
        return head;
    }
    n->value = value;
    n->next = head;
    return n;
}

int main(void)
{
    struct node *list = NULL;
    for (int i = 0; i < MAX_NODES; i++) {
        list = push(list, i * 2);
    }
    while (list != NULL) {
        struct node *next = list->next;
        printf("%d\n", list->value);
        free(list);
        list = next;
    }
    return 0;
}
