/*
 * handlers.h - the endpoints of the partner API. Each reads its path parameters,
 * query or body from call->req, calls the service layer and renders call->resp.
 * Bad input is 400 naming the field, before anything else happens.
 */
#ifndef LENDGATE_HANDLERS_H
#define LENDGATE_HANDLERS_H

#include <lendgate/http.h>

void lg_h_credit_line(lg_http_call *call);  /* GET /partners/public/oaid/:oaidTokenId/credit-line */
void lg_h_position(lg_http_call *call);     /* GET /partners/public/position/:positionId/details */
void lg_h_borrow(lg_http_call *call);       /* POST /partners/borrow */
void lg_h_repay(lg_http_call *call);        /* POST /partners/repay */
void lg_h_deposit(lg_http_call *call);      /* POST /partners/deposits */
void lg_h_loan(lg_http_call *call);         /* GET /partners/loan/:partnerLoanId */
void lg_h_user_loans(lg_http_call *call);   /* GET /partners/user/:userWallet/loans */
void lg_h_stats(lg_http_call *call);        /* GET /partners/my/stats */
void lg_h_transactions(lg_http_call *call); /* GET /partners/my/transactions */

#endif
