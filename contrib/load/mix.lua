-- mix.lua - a partner's traffic for wrk 4: credit-line checks, borrows, repays and
-- reads (one loan, the partner's stats, a user's loans), every request with the
-- partner's API key. contrib/load/run.sh runs it and checks what it reports; see
-- contrib/load/README.md. Arguments, after wrk's `--`, as key=value:
--
--   key=pk_...            the partner's API key (Authorization: Bearer)
--   oaid=N wallet=0x...   the user borrowed for: the OAID and the wallet that owns it
--   run=ID                names this run: loan ids are load-ID-<thread>-<n>, unique
--                         per run, so every borrow is a new loan
--   mix=credit:25,borrow:15,repay:15,loan:20,stats:10,userloans:15
--                         the weights of the request kinds
--   borrow=10000000       each borrow's amount (USDC base units: 10 USDC)
--   repay=1000000         each repay's amount (1 USDC); a loan is repaid at most
--                         repays=N times (default 5), never in full
--   maxborrows=N          borrows this thread may send in all (later picks of borrow
--                         become credit checks): the bound on what the run borrows
--   delay=MS              each connection waits MS milliseconds (jittered by +-50%)
--                         before each request it sends: with C connections the rate
--                         is at most C * 1000 / MS requests a second
--   seconds=N quiet=Q     the run lasts N seconds (wrk's --duration); in its last Q
--                         seconds borrows and repays become reads, so those sent finish
--                         while wrk still listens (wrk abandons what is in flight at
--                         its end, and lendgate may finish it all the same)
--   out=DIR               where done() writes summary.txt, loans.txt (the loans made:
--                         borrows answered 201 or 202) and inflight.txt (borrows sent
--                         but not answered when wrk stopped)
--
-- A repay needs a loan this thread borrowed (201): until there is one, repay and loan
-- reads fall back to a stats read. Each request carries X-Request-Id
-- lg-<run>-<thread>-<n>-<kind>, which lendgate echoes, so each answer is counted under
-- the kind of its request even with many connections a thread. Answers without it
-- (the web server's own errors) count as kind "server".

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local function split(s, sep)
  local out = {}
  for part in string.gmatch(s, "[^" .. sep .. "]+") do table.insert(out, part) end
  return out
end

function init(args)
  local opt = {}
  for _, a in ipairs(args) do
    local k, v = string.match(a, "^([%w_]+)=(.*)$")
    if not k then error("mix.lua: argument '" .. a .. "' is not key=value") end
    opt[k] = v
  end
  for _, k in ipairs({ "key", "oaid", "wallet", "run" }) do
    if not opt[k] or opt[k] == "" then error("mix.lua: " .. k .. "= is required") end
  end
  key, oaid, wallet, run = opt.key, opt.oaid, opt.wallet, opt.run
  if not string.match(run, "^%w+$") or #run > 24 then
    error("mix.lua: run= is 1 to 24 letters and digits")
  end
  borrow_amount = opt.borrow or "10000000"
  repay_amount = opt.repay or "1000000"
  repays_per_loan = tonumber(opt.repays or "5")
  max_borrows = tonumber(opt.maxborrows or "100")
  delay_ms = tonumber(opt.delay or "0")
  quiet_from = opt.seconds and (os.time() + tonumber(opt.seconds) - tonumber(opt.quiet or "0")) or nil
  out = opt.out
  kinds, total_weight = {}, 0
  for _, kv in ipairs(split(opt.mix or "credit:25,borrow:15,repay:15,loan:20,stats:10,userloans:15", ",")) do
    local name, w = string.match(kv, "^(%a+):(%d+)$")
    if not name then error("mix.lua: mix entry '" .. kv .. "' is not name:weight") end
    if tonumber(w) > 0 then
      total_weight = total_weight + tonumber(w)
      table.insert(kinds, { name = name, upto = total_weight })
    end
  end
  if total_weight == 0 then error("mix.lua: every weight of mix= is 0") end
  math.randomseed(os.time() * 1000 + tid)
  seq, borrows_sent = 0, 0
  pending = {}   -- request id -> partnerLoanId of a borrow in flight
  repaying = {}  -- request id -> partnerLoanId of a repay in flight
  sent = {}      -- kind -> requests sent
  loans = {}     -- loans this thread borrowed: { id = ..., left = repays still allowed }
  created = {}   -- their ids, in order
  counts = {}    -- "kind status" -> answers
  busy = 0       -- 503 "Chain node busy": the documented shedding of chain load
end

local function pick()
  local r = math.random(1, total_weight)
  for _, k in ipairs(kinds) do
    if r <= k.upto then return k.name end
  end
end

local function headers(rid, json)
  local h = { ["Authorization"] = "Bearer " .. key, ["X-Request-Id"] = rid }
  if json then h["Content-Type"] = "application/json" end
  return h
end

local function repayable()
  -- A random loan with repays left: a few tries, then a scan.
  local n = #loans
  if n == 0 then return nil end
  for _ = 1, 4 do
    local l = loans[math.random(1, n)]
    if l.left > 0 then return l end
  end
  for _, l in ipairs(loans) do
    if l.left > 0 then return l end
  end
  return nil
end

function request()
  seq = seq + 1
  local kind = pick()
  if kind == "borrow" and borrows_sent >= max_borrows then kind = "credit" end
  if quiet_from and os.time() >= quiet_from then
    if kind == "borrow" then kind = "credit" elseif kind == "repay" then kind = "loan" end
  end
  if (kind == "repay" or kind == "loan") and #created == 0 then kind = "stats" end
  local loan
  if kind == "repay" then
    loan = repayable()
    if not loan then kind = "loan" end
  end
  local rid = string.format("lg-%s-%d-%d-%s", run, tid, seq, kind)
  sent[kind] = (sent[kind] or 0) + 1
  if kind == "credit" then
    return wrk.format("GET", "/partners/public/oaid/" .. oaid .. "/credit-line", headers(rid))
  elseif kind == "borrow" then
    borrows_sent = borrows_sent + 1
    local id = string.format("load-%s-%d-%d", run, tid, borrows_sent)
    pending[rid] = id
    local body = string.format(
      '{"oaidTokenId":%s,"userWallet":"%s","borrowAmount":"%s","partnerLoanId":"%s",'
        .. '"metadata":{"partnerUserId":"load-user-%d","loanPurpose":"load_test"}}',
      oaid, wallet, borrow_amount, id, tid)
    return wrk.format("POST", "/partners/borrow", headers(rid, true), body)
  elseif kind == "repay" then
    loan.left = loan.left - 1
    repaying[rid] = loan.id
    local body = string.format('{"partnerLoanId":"%s","repaymentAmount":"%s"}', loan.id, repay_amount)
    return wrk.format("POST", "/partners/repay", headers(rid, true), body)
  elseif kind == "loan" then
    return wrk.format("GET", "/partners/loan/" .. created[math.random(1, #created)], headers(rid))
  elseif kind == "userloans" then
    return wrk.format("GET", "/partners/user/" .. wallet .. "/loans?limit=10", headers(rid))
  else
    return wrk.format("GET", "/partners/my/stats", headers(rid))
  end
end

function delay()
  if delay_ms <= 0 then return 0 end
  return math.floor(delay_ms * (0.5 + math.random()))
end

local function header(h, name)
  local want = string.lower(name)
  for k, v in pairs(h) do
    if string.lower(k) == want then return v end
  end
  return nil
end

function response(status, hdrs, body)
  local rid = header(hdrs, "X-Request-Id") or ""
  local kind = string.match(rid, "^lg%-[^-]+%-%d+%-%d+%-(%a+)$") or "server"
  local k = kind .. " " .. status
  counts[k] = (counts[k] or 0) + 1
  if status == 503 and body and string.find(body, "Chain node busy", 1, true) then busy = busy + 1 end
  repaying[rid] = nil
  if kind == "borrow" then
    local id = pending[rid]
    pending[rid] = nil
    if id and status == 201 then
      table.insert(loans, { id = id, left = repays_per_loan })
      table.insert(created, id)
    elseif id and status == 202 then
      -- Still confirming: a loan all the same (reconcile finishes it), not repaid here.
      table.insert(created, id)
    end
  end
end

-- When wrk stops, requests still in flight are abandoned: lendgate may finish them
-- all the same. done() lists the borrows among them (their loans may exist) and counts
-- the repays, so the run's outcome can be read back rather than guessed.
function done(summary, latency, requests)
  local total, lines, ids, inflight, sent_all = {}, {}, {}, {}, {}
  local busy_all, repays_inflight = 0, 0
  for _, t in ipairs(threads) do
    for k, n in pairs(t:get("counts") or {}) do total[k] = (total[k] or 0) + n end
    for k, n in pairs(t:get("sent") or {}) do sent_all[k] = (sent_all[k] or 0) + n end
    for _, id in ipairs(t:get("created") or {}) do table.insert(ids, id) end
    for _, id in pairs(t:get("pending") or {}) do table.insert(inflight, id) end
    for _ in pairs(t:get("repaying") or {}) do repays_inflight = repays_inflight + 1 end
    busy_all = busy_all + (t:get("busy") or 0)
  end
  for k, n in pairs(total) do table.insert(lines, "answers " .. k .. " " .. n) end
  for k, n in pairs(sent_all) do table.insert(lines, "sent " .. k .. " " .. n) end
  table.sort(lines)
  table.sort(inflight)
  local e = summary.errors
  local text = {}
  table.insert(text, string.format("requests %d", summary.requests))
  table.insert(text, string.format("seconds %.3f", summary.duration / 1e6))
  table.insert(text, string.format("socket_errors connect=%d read=%d write=%d timeout=%d",
    e.connect, e.read, e.write, e.timeout))
  table.insert(text, string.format("busy %d", busy_all))
  table.insert(text, string.format("latency_ms p50=%.1f p90=%.1f p99=%.1f max=%.1f",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  for _, l in ipairs(lines) do table.insert(text, l) end
  table.insert(text, string.format("loans %d", #ids))
  table.insert(text, string.format("inflight borrow %d", #inflight))
  table.insert(text, string.format("inflight repay %d", repays_inflight))
  local report = table.concat(text, "\n") .. "\n"
  io.write("\n-- lendgate mix --\n" .. report)
  -- done() runs in wrk's main Lua state, where init() never ran: ask a thread.
  local out = threads[1] and threads[1]:get("out")
  if out then
    local f = assert(io.open(out .. "/summary.txt", "w"))
    f:write(report)
    f:close()
    f = assert(io.open(out .. "/loans.txt", "w"))
    for _, id in ipairs(ids) do f:write(id .. "\n") end
    f:close()
    f = assert(io.open(out .. "/inflight.txt", "w"))
    for _, id in ipairs(inflight) do f:write(id .. "\n") end
    f:close()
  end
end
