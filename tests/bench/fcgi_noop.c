/* fcgi_noop.c - the floor of the HTTP benchmark: a FastCGI responder that answers
 * every request with a fixed small JSON body and does nothing else. */
#include "config.h"

#include <fcgiapp.h>
#include <string.h>

int main(void)
{
    static const char reply[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
                                "Content-Length: 16\r\n\r\n{\"success\":true}";
    FCGX_Request rq;
    if (FCGX_Init() != 0 || FCGX_InitRequest(&rq, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&rq) >= 0) {
        FCGX_PutStr(reply, (int)strlen(reply), rq.out);
        FCGX_Finish_r(&rq);
    }
    return 0;
}
