#!/usr/bin/env bash
# contrib/load/run.sh for a few seconds against a real stack (the devnet, a SQLite
# store, lighttpd with 4 responders), as an operator would run it: it funds the
# repayments with a deposit, runs the mix (credit checks, borrows, repays, reads) with
# wrk, and must report no problem: no 5xx but the documented "Chain node busy", no 4xx,
# no socket error, every loan it made read back. Then the store and the chain must
# agree with what the clients counted: one loan per borrow answered 201/202 and none
# more, one applied repayment per repay answered 200 with the repaid amounts, at least
# one of each, and the vault's debt of the user's position equal to what the store
# says is still owed. A wrong key is refused before any load is sent (exit 2).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webserver.sh"
. "$(dirname "$0")/devnet.sh"
. "$(dirname "$0")/partner_api.sh"

command -v wrk >/dev/null || { skip "load smoke" "wrk not installed (apt-get install wrk)"; finish; }
pa_start "load smoke"
pa_store state
read -r _ key < <("$mk" --db "$db" --prefix loadmix --fee 50 --daily $((50000 * U)) \
    --total $((200000 * U)) --settlement "$settle0")
[ -n "${key:-}" ] || { fail "mkpartner" "no key"; finish; }
if ! ws_start lighttpd 4; then
    fail "lighttpd starts" "$ws_why"
    finish
fi
pass "lighttpd starts with 4 responders"

runner="$LG_TOP_SRCDIR/contrib/load/run.sh"
"$runner" --base-url "$LG_BASE_URL" --key "pk_loadmix_live_00000000000000000000000000000000" \
    --deployment "$LG_DEPLOYMENT" --duration 5s --out "$T/badkey" >"$T/badkey.out" 2>&1
rc=$?
expect_eq "a wrong key is refused before any load (exit 2, saying why)" \
    "$rc:$(grep -c 'answered 401' "$T/badkey.out")" "2:1"

borrow_amount=$((10 * U))
repay_amount=$((1 * U))
if "$runner" --base-url "$LG_BASE_URL" --key "$key" --deployment "$LG_DEPLOYMENT" \
    --pay-script "$lg_devnet_dir/scripts/pay.js" --duration 6s --connections 4 --threads 2 \
    --rate 10 --quiet 2 --max-borrows 80 --borrow-amount "$borrow_amount" --repay-amount "$repay_amount" \
    --mix credit:20,borrow:25,repay:25,loan:10,stats:10,userloans:10 --out "$T/load" \
    >"$T/load.out" 2>&1; then
    pass "run.sh: no problem found"
else
    fail "run.sh: no problem found" "exit $?: $(grep -E '^(PROBLEM|run.sh):' "$T/load.out" | tr '\n' ' ')"
fi
sed 's/^/    | /' "$T/load.out" | tail -n 25
[ -f "$T/load/summary.txt" ] || { fail "run.sh wrote its summary"; finish; }

# n KIND STATUS: answers of that kind and status the clients counted.
n() { awk -v k="$1" -v s="$2" '$1 == "answers" && $2 == k && $3 == s { print $4; f = 1 } END { if (!f) print 0 }' \
    "$T/load/summary.txt"; }
five=$(awk '$1 == "answers" && $3 >= 500 { n += $4 } END { print n + 0 }' "$T/load/summary.txt")
busy=$(awk '$1 == "busy" { print $2 }' "$T/load/summary.txt")
expect_eq "no 5xx answer but \"Chain node busy\"" "$((five - busy))" 0
for kind in credit stats userloans loan; do
    [ "$(n "$kind" 200)" -ge 1 ] && pass "$kind requests answered 200 ($(n "$kind" 200))" ||
        fail "$kind requests answered 200" "none: $(grep "^answers $kind " "$T/load/summary.txt" | tr '\n' ' ')"
done

made=$(($(n borrow 201) + $(n borrow 202)))
[ "$made" -ge 1 ] && pass "borrows made loans ($(n borrow 201) answered 201, $(n borrow 202) 202)" ||
    fail "borrows made loans" "$(grep '^answers borrow ' "$T/load/summary.txt" | tr '\n' ' ')"
[ "$(n repay 200)" -ge 1 ] && pass "repays were applied ($(n repay 200) answered 200)" ||
    fail "repays were applied" "$(grep '^answers repay ' "$T/load/summary.txt" | tr '\n' ' ')"

# The store: exactly the loans the clients were told of (loans.txt: the borrows
# answered 201/202, and those wrk abandoned in flight that run.sh then found made), and
# the repayments: each repay answered 200, and at most those abandoned in flight besides.
q() { sqlite3 -readonly "$db" "$1"; }
listed=$(sort "$T/load/loans.txt" | tr '\n' ' ')
expect_eq "the store holds the loans run.sh lists, and no other" \
    "$(q "select partner_loan_id from partner_loans order by partner_loan_id" | sort | tr '\n' ' ')" "$listed"
listed_n=$(grep -c . "$T/load/loans.txt")
inflight_n=$(grep -c . "$T/load/inflight.txt")
[ "$listed_n" -ge "$made" ] && [ "$listed_n" -le "$((made + inflight_n))" ] &&
    pass "they are the $made borrows answered 201/202 and $((listed_n - made)) of the $inflight_n in flight at the end" ||
    fail "the loans listed are the borrows answered 201/202 and some in flight at the end" \
        "$listed_n listed, $made answered, $inflight_n in flight"
expect_eq "every loan is for the borrowed amount" \
    "$(q "select count(*) from partner_loans where amount = $borrow_amount")" "$(wc -l <"$T/load/loans.txt")"
applied=$(q "select count(*) from loan_repayments where status = 1")
late=$(awk '$1 == "inflight" && $2 == "repay" { print $3 }' "$T/load/summary.txt")
[ "$applied" -ge "$(n repay 200)" ] && [ "$applied" -le "$(($(n repay 200) + late))" ] &&
    pass "the store holds one applied repayment per repay answered 200 ($applied; $late in flight at the end)" ||
    fail "the store holds one applied repayment per repay answered 200" \
        "$applied applied, $(n repay 200) answered 200, $late in flight"
expect_eq "the loans' repaid amounts add up to the applied repayments" \
    "$(q "select coalesce(sum(repaid), 0) from partner_loans")" "$((applied * repay_amount))"
expect_eq "no loan was repaid in full (at most 5 repays of 1 USDC of 10)" \
    "$(q "select count(*) from partner_loans where remaining = 0")" 0

# The chain: the vault's debt of the user's position is what the store says is owed
# (a borrow or repay still confirming, answered 202, finished by reconcile first).
if [ "$(n borrow 202)" != 0 ] || [ "$(n repay 202)" != 0 ]; then
    check "reconcile finishes what answered 202" reconcile_quick
fi
owed=$(q "select coalesce(sum(remaining), 0) from partner_loans where status <> 4")
expect_eq "the vault's debt of the position equals the store's outstanding principal" \
    "$(borrowed_on_chain "$pos0")" "$owed"

ws_stop
expect_eq "no sanitizer report or crash" "$(ws_errors | head -n 3)" ""
finish
