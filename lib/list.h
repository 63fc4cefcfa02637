/* lib/list.h: intrusive circular doubly linked list.
 *
 * Embed a 'struct nfvs_list' in each element; the list head is a
 * 'struct nfvs_list' of its own.  Not thread-safe. */
#ifndef NFVS_LIST_H
#define NFVS_LIST_H 1

#include <stdbool.h>
#include <stddef.h>
#include "util.h"

struct nfvs_list {
    struct nfvs_list *prev;     /* Previous element, or the head. */
    struct nfvs_list *next;     /* Next element, or the head. */
};

#define NFVS_LIST_INITIALIZER(LIST) { LIST, LIST }

static inline void
nfvs_list_init(struct nfvs_list *list)
{
    list->prev = list->next = list;
}

/* Inserts 'elem' just before 'before'. */
static inline void
nfvs_list_insert(struct nfvs_list *before, struct nfvs_list *elem)
{
    elem->prev = before->prev;
    elem->next = before;
    before->prev->next = elem;
    before->prev = elem;
}

static inline void
nfvs_list_push_back(struct nfvs_list *list, struct nfvs_list *elem)
{
    nfvs_list_insert(list, elem);
}

static inline void
nfvs_list_push_front(struct nfvs_list *list, struct nfvs_list *elem)
{
    nfvs_list_insert(list->next, elem);
}

/* Removes 'elem' from its list and returns the element that followed it. */
static inline struct nfvs_list *
nfvs_list_remove(struct nfvs_list *elem)
{
    struct nfvs_list *next = elem->next;

    elem->prev->next = elem->next;
    elem->next->prev = elem->prev;
    return next;
}

static inline bool
nfvs_list_is_empty(const struct nfvs_list *list)
{
    return list->next == list;
}

size_t nfvs_list_size(const struct nfvs_list *list);

#define NFVS_LIST_FOR_EACH(ITER, MEMBER, LIST)                          \
    for (ITER = CONTAINER_OF((LIST)->next, __typeof__(*ITER), MEMBER);  \
         &(ITER)->MEMBER != (LIST);                                     \
         ITER = CONTAINER_OF((ITER)->MEMBER.next, __typeof__(*ITER),    \
                             MEMBER))

/* Safe against removal of ITER; NEXT is scratch. */
#define NFVS_LIST_FOR_EACH_SAFE(ITER, NEXT, MEMBER, LIST)               \
    for (ITER = CONTAINER_OF((LIST)->next, __typeof__(*ITER), MEMBER);  \
         (&(ITER)->MEMBER != (LIST)                                     \
          ? (NEXT = CONTAINER_OF((ITER)->MEMBER.next,                   \
                                 __typeof__(*ITER), MEMBER), 1)         \
          : 0);                                                         \
         ITER = NEXT)

#endif /* list.h */
