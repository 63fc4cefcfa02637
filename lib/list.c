#include <config.h>
#include "list.h"

size_t
nfvs_list_size(const struct nfvs_list *list)
{
    const struct nfvs_list *e;
    size_t n = 0;

    for (e = list->next; e != list; e = e->next) {
        n++;
    }
    return n;
}
