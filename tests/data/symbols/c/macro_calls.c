/* Macro calls without a semicolon, as in OpenSSL's headers. */
int gadget_print(struct gadget *g);

DECLARE_GADGET_FUNCTIONS(GADGET_NAMES)

GADGET_LIST(CONF_ITEM) *gadget_names_to_list(struct gadget_method *method,
    GADGET_NAMES *names,
    GADGET_LIST(CONF_ITEM) *out);
GADGET_NAMES *gadget_names_from_list(const struct gadget_method *method,
    struct gadget_ctx *ctx, GADGET_LIST(CONF_ITEM) *list);

DECLARE_GADGET_FUNCTIONS(OTHER_NAME)
DECLARE_GADGET_FUNCTIONS(PARTY_NAME)
int other_name_cmp(OTHER_NAME *a, OTHER_NAME *b);

typedef struct gadget_range_st {
    int min, max;
} gadget_range;

typedef struct gadget_or_range_st {
    int type;
    union {
        int *id;
        gadget_range *range;
    } u;
} gadget_or_range;

struct gadget_point {
    int x, y;
};
