-- report_dataset.sql: the dataset of `make bench` and of the report's
-- measurements: n requests over `years` years (default 5, up to today),
-- generated with generate_series, reproducible (every choice is a hash of
-- the row number, not random()). Loaded by tests/perf/dataset.sh, which
-- first fills perf_pii_pool (below) through the app:
--
--   psql -v n=1000000 -v prefix=perf [-v years=5] [-v today=2026-11-27] -f report_dataset.sql
--
-- Makes agency :prefix (a county government) with 20 departments
-- :prefix-01 … :prefix-20, each with three clerks and a head, then n
-- requests spread evenly over the departments and days, numbered per
-- agency and year in the order they came in (ids too), with a realistic mix:
--   * applicants: 85 % citizens, the rest businesses, law firms, research
--     and other organisations (credit codes);
--   * channels: 60 % online (submitted, confirmed 0–2 days later), in person,
--     by post, e-mail, fax;
--   * outcomes: concluded 2–39 days after receipt (some late) with a spread
--     over the 21 outcome rows of table 三, 1 % withdrawn; the last weeks'
--     requests still open (in progress or awaiting a 补正), 0.3 % forgotten
--     (overdue), online submissions of the last days not yet confirmed, a
--     few discarded;
--   * due dates: 20 working days after receipt by the holidays table;
--   * an event log for each request with a valid hash chain (`ysqgk audit
--     verify` accepts it): submitted/registered, confirmed, 补正 asked,
--     replied (with its 答复书 notice) or withdrawn, appeal filed/decided;
--   * appeals for one concluded request in 40.
-- Personal fields are real ciphertexts of the stack's key, taken from
-- perf_pii_pool (a few hundred requests dataset.sh submitted through the
-- API), so the pages decrypt them as they would real data; the keyed hashes
-- are hashes of the row number (look-ups by them find nothing), the query
-- codes unknown (the bench looks up a request it submitted itself).
--
-- Needs a superuser (the dev stack's): the per-row triggers are switched
-- off for the load (session_replication_role = replica) — the per-status
-- counter would otherwise update one row a million times in one
-- transaction — and request_counts and tracking_counters are recomputed
-- at the end. The rows are generated consistent, so the foreign keys
-- skipped hold. The plain indexes of requests are dropped for the load and
-- built again after it (much faster than maintaining them row by row).
-- Run it once per prefix.
\set ON_ERROR_STOP 1
\if :{?n}
\else
\set n 1000000
\endif
\if :{?prefix}
\else
\set prefix perf
\endif
\if :{?years}
\else
\set years 5
\endif
\if :{?today}
\else
SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS today \gset
\endif
SELECT make_date(extract(year FROM :'today'::date)::int - :years + 1, 1, 1) AS first_day \gset
DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM perf_pii_pool) THEN
		RAISE EXCEPTION 'perf_pii_pool is empty: tests/perf/dataset.sh fills it';
	END IF;
END $$;
SELECT count(*) AS pool_n FROM perf_pii_pool \gset
\echo dataset: :n requests from :first_day to :today, :pool_n ciphertexts in the pool

SET work_mem = '256MB';
SET maintenance_work_mem = '1GB';
SET synchronous_commit = off;

INSERT INTO agencies (code, name, kind)
VALUES (:'prefix', '性能测试县人民政府', 'government')
ON CONFLICT (code) DO NOTHING;

INSERT INTO agencies (code, name, parent_id, office_address, office_phone, office_hours)
SELECT :'prefix' || '-' || lpad(d::text, 2, '0'),
       '性能测试县' || (ARRAY['发展和改革局', '教育局', '公安局', '民政局', '司法局',
			'财政局', '人力资源和社会保障局', '自然资源局', '生态环境局',
			'住房和城乡建设局', '交通运输局', '水利局', '农业农村局',
			'商务局', '文化和旅游局', '卫生健康委员会', '应急管理局',
			'市场监督管理局', '统计局', '医疗保障局'])[d],
       (SELECT id FROM agencies WHERE code = :'prefix'),
       '性能测试县人民路' || d || '号', '0571-8800' || lpad(d::text, 4, '0'),
       '工作日 9:00-12:00，13:30-17:00'
  FROM generate_series(1, 20) AS d
ON CONFLICT (code) DO NOTHING;

-- Three clerks and a head per department; nobody signs in as them (the
-- hash is no hash of any password).
INSERT INTO staff (agency_id, username, role, display_name, password_hash)
SELECT a.id, a.code || '-' || s, CASE WHEN s = 4 THEN 'head' ELSE 'clerk' END,
       (ARRAY['王芳', '李强', '张敏', '刘洋'])[s] || '（' || right(a.code, 2) || '）',
       '$argon2id$v=19$m=65536,t=2,p=1$bm90LWEtcGFzc3dvcmQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
  FROM agencies a, generate_series(1, 4) AS s
 WHERE a.parent_id = (SELECT id FROM agencies WHERE code = :'prefix')
ON CONFLICT (username) DO NOTHING;

BEGIN;
SET LOCAL session_replication_role = replica;

-- Shares per mille: row pm of each table is the value for h % 1000 = pm.
CREATE TEMP TABLE perf_share (what text, pm int, code text, PRIMARY KEY (what, pm)) ON COMMIT DROP;
INSERT INTO perf_share (what, pm, code)
SELECT w.what, pm, w.code
  FROM (SELECT what, code, sum(per_mille) OVER (PARTITION BY what ORDER BY ord) - per_mille AS lo,
	       sum(per_mille) OVER (PARTITION BY what ORDER BY ord) AS hi
	  FROM (VALUES
		('kind', 1, 'person', 850), ('kind', 2, 'business', 80),
		('kind', 3, 'research', 10), ('kind', 4, 'nonprofit', 10),
		('kind', 5, 'legal_service', 30), ('kind', 6, 'org_other', 20),
		('channel', 1, 'online', 600), ('channel', 2, 'in_person', 150),
		('channel', 3, 'post', 150), ('channel', 4, 'email', 60),
		('channel', 5, 'fax', 10), ('channel', 6, 'other', 30),
		('outcome', 1, 'disclosed', 420), ('outcome', 2, 'partial', 140),
		('outcome', 3, 'deny_secret', 5), ('outcome', 4, 'deny_law', 10),
		('outcome', 5, 'deny_security', 5), ('outcome', 6, 'deny_third_party', 15),
		('outcome', 7, 'deny_internal', 20), ('outcome', 8, 'deny_process', 15),
		('outcome', 9, 'deny_enforcement', 5), ('outcome', 10, 'deny_query', 10),
		('outcome', 11, 'unable_not_held', 160), ('outcome', 12, 'unable_create', 25),
		('outcome', 13, 'unable_unclear', 30), ('outcome', 14, 'reject_petition', 20),
		('outcome', 15, 'reject_repeat', 25), ('outcome', 16, 'reject_publication', 40),
		('outcome', 17, 'reject_mass', 5), ('outcome', 18, 'reject_confirm', 10),
		('outcome', 19, 'other_no_supplement', 20), ('outcome', 20, 'other_no_fee', 5),
		('outcome', 21, 'other', 15))
	       AS v (what, ord, code, per_mille)) AS w
  JOIN generate_series(0, 999) AS pm ON pm >= w.lo AND pm < w.hi;

-- Working days: ord counts them, so the 20th working day after d is the
-- working day whose ord is ord(d) + 20 (domain/workdays.h's rule, with the
-- holidays table).
CREATE TEMP TABLE perf_day ON COMMIT DROP AS
SELECT day, work, sum(work) OVER (ORDER BY day) AS ord
  FROM (SELECT g::date AS day,
	       CASE WHEN coalesce(h.kind = 'workday', extract(isodow FROM g) < 6) THEN 1 ELSE 0 END AS work
	  FROM generate_series(:'first_day'::date - 10, :'today'::date + 400, interval '1 day') AS g
	  LEFT JOIN holidays h ON h.day = g::date) AS d;
CREATE UNIQUE INDEX ON perf_day (day);
CREATE INDEX ON perf_day (ord) WHERE work = 1;
CREATE TEMP TABLE perf_due ON COMMIT DROP AS
SELECT d.day, w.day AS due
  FROM perf_day d JOIN perf_day w ON w.ord = d.ord + 20 AND w.work = 1;
CREATE UNIQUE INDEX ON perf_due (day);
ANALYZE perf_day;
ANALYZE perf_due;

\echo dataset: planning the requests
-- One row per request: h1…h6 independent hashes of the row number.
CREATE TEMP TABLE perf_plan ON COMMIT DROP AS
SELECT s.*, a.id AS agency_id, a.code AS agency_code,
       st.id AS clerk_id, k.code AS kind, c.code AS channel, o.code AS outcome_pick
  FROM (SELECT i, h1, h2, h3, h4, h5, h6, i % 20 + 1 AS dept,
	       :'first_day'::date + (h1 % (:'today'::date - :'first_day'::date + 1))::int AS s_date
	  FROM (SELECT i,
		       hashint8(i) & 2147483647 AS h1,
		       hashint8(i + 1000000007) & 2147483647 AS h2,
		       hashint8(i + 2000000011) & 2147483647 AS h3,
		       hashint8(i + 3000000019) & 2147483647 AS h4,
		       hashint8(i + 4000000007) & 2147483647 AS h5,
		       hashint8(i + 5000000009) & 2147483647 AS h6
		  FROM generate_series(0, :n - 1) AS i) AS r) AS s
  JOIN agencies a ON a.code = :'prefix' || '-' || lpad(s.dept::text, 2, '0')
  JOIN staff st ON st.username = a.code || '-' || (1 + s.h5 % 3)
  JOIN perf_share k ON k.what = 'kind' AND k.pm = s.h2 % 1000
  JOIN perf_share c ON c.what = 'channel' AND c.pm = s.h3 % 1000
  JOIN perf_share o ON o.what = 'outcome' AND o.pm = s.h4 % 1000;

-- The life of each request. w (h6 % 1000) < 10: withdrawn; < 13: forgotten.
CREATE TEMP TABLE perf_life ON COMMIT DROP AS
SELECT p.*,
       CASE WHEN received_on IS NULL THEN NULL
	    WHEN w < 10 AND candidate <= today THEN 'withdrawn'
	    WHEN w < 13 OR candidate > today THEN 'open'
	    ELSE 'concluded' END AS fate
  FROM (SELECT p.*, p.h6 % 1000 AS w, :'today'::date AS today,
	       -- Online: confirmed 0-2 days after submission; the rest on the day.
	       CASE WHEN p.channel = 'online' AND p.h6 % 1000 >= 997 THEN NULL
		    WHEN p.channel <> 'online' THEN p.s_date
		    WHEN p.s_date + (p.h3 / 1000 % 3)::int <= :'today'::date
		    THEN p.s_date + (p.h3 / 1000 % 3)::int END AS received_on,
	       CASE WHEN p.channel = 'online' THEN p.s_date + (p.h3 / 1000 % 3)::int
		    ELSE p.s_date END + (2 + p.h5 / 3 % 38)::int AS candidate
	  FROM perf_plan p) AS p;

CREATE TEMP TABLE perf_req ON COMMIT DROP AS
SELECT l.*,
       (SELECT greatest(coalesce(max(id), 0), (SELECT last_value FROM requests_id_seq))
	  FROM requests) + row_number() OVER (ORDER BY l.submitted_at, l.i) AS id,
       coalesce((SELECT last_no FROM tracking_counters t
		  WHERE t.agency_id = l.agency_id AND t.year = l.year), 0)
	 + row_number() OVER (PARTITION BY l.agency_id, l.year ORDER BY l.submitted_at, l.i) AS number
  FROM (SELECT l.*,
	       (l.s_date + make_interval(hours => 8 + (l.h5 / 7 % 10)::int,
					 mins => (l.h5 / 70 % 60)::int,
					 secs => (l.h5 / 4200 % 60)::int))
		 AT TIME ZONE 'Asia/Shanghai' AS submitted_at,
	       extract(year FROM l.s_date)::int AS year,
	       CASE WHEN l.received_on IS NULL
			 THEN CASE WHEN l.w >= 997 THEN 'discarded' ELSE 'submitted' END
		    WHEN l.fate = 'withdrawn' THEN 'withdrawn'
		    WHEN l.fate = 'open'
			 THEN CASE WHEN l.h4 / 1000 % 100 < 15 AND l.received_on + 3 <= l.today
				   THEN 'awaiting_supplement' ELSE 'in_progress' END
		    WHEN l.outcome_pick IN ('other_no_supplement', 'other_no_fee', 'other')
			 THEN 'closed'
		    ELSE 'answered' END AS status,
	       CASE WHEN l.fate = 'withdrawn' THEN 'other'
		    WHEN l.fate = 'concluded' THEN l.outcome_pick END AS outcome,
	       CASE WHEN l.fate IN ('withdrawn', 'concluded') THEN l.candidate END AS concluded_on,
	       d.due AS due_on
	  FROM perf_life l LEFT JOIN perf_due d ON d.day = l.received_on) AS l;
CREATE UNIQUE INDEX ON perf_req (id);
ANALYZE perf_req;

-- The plain indexes of requests (not those behind a constraint), dropped
-- for the load and made again below.
CREATE TEMP TABLE perf_index ON COMMIT DROP AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
  FROM pg_index i
 WHERE i.indrelid = 'requests'::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM perf_index \gexec

\echo dataset: inserting the requests
INSERT INTO requests (id, agency_id, tracking_no, query_code_hash, applicant_kind, name,
		      id_type, id_number_enc, id_number_hash, credit_code,
		      legal_representative, contact_name, work_unit, phone_enc, phone_hash,
		      email, address, postcode, description, document_ref,
		      provision_forms, obtain_methods, channel, submitted_at, received_on,
		      status, due_on, outcome, concluded_on, assigned_to,
		      clock_stopped_since, created_at, updated_at)
SELECT r.id, r.agency_id,
       r.agency_code || '-' || r.year || '-' || lpad(r.number::text, 6, '0'),
       sha256(('perf-code-' || r.i)::bytea),
       r.kind,
       CASE WHEN r.kind = 'person'
	    THEN (ARRAY['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙',
			'马', '朱', '胡', '郭', '何', '高', '林', '罗'])[1 + r.h1 / 7 % 20]
		 || (ARRAY['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋',
			   '勇', '艳', '杰', '娟', '涛', '明', '超', '秀兰', '霞'])[1 + r.h1 / 140 % 20]
	    ELSE '性能测试' || (ARRAY['科技', '建设', '律师', '研究', '环保', '贸易'])[1 + r.h1 / 7 % 6]
		 || (r.h1 / 42 % 5000) || (CASE r.kind WHEN 'legal_service' THEN '律师事务所'
						      WHEN 'research' THEN '研究院'
						      WHEN 'nonprofit' THEN '公益基金会'
						      ELSE '有限公司' END) END,
       CASE WHEN r.kind = 'person' THEN 'resident_id' END,
       CASE WHEN r.kind = 'person' THEN pool.id_number_enc END,
       CASE WHEN r.kind = 'person' THEN sha256(('perf-id-' || r.i % (:n * 7 / 10))::bytea) END,
       CASE WHEN r.kind <> 'person' THEN '9133' || lpad((r.h1 % 100000000000000)::text, 14, '0') END,
       CASE WHEN r.kind <> 'person' THEN '法定代表人' || r.h2 / 7 % 1000 END,
       CASE WHEN r.kind <> 'person' THEN '联系人' || r.h2 / 7000 % 1000 END,
       NULL,
       pool.phone_enc, sha256(('perf-phone-' || r.i)::bytea),
       CASE WHEN r.h3 % 10 < 4 THEN 'applicant' || r.i || '@example.cn' END,
       CASE WHEN r.h3 % 10 >= 4 THEN '性能测试县幸福路' || r.h3 / 10 % 999 || '号' END,
       CASE WHEN r.h3 % 10 >= 4 THEN '311' || lpad((r.h3 / 10 % 1000)::text, 3, '0') END,
       '申请公开' || (ARRAY['2023年度部门预算及“三公”经费支出情况', '本单位行政处罚决定书',
			  '某地块国有土地使用权出让合同', '征地补偿安置方案及批复文件',
			  '某小区规划许可证及附图', '某企业环境影响评价报告书及批复',
			  '道路改造工程招标文件及中标结果', '老旧小区改造项目资金使用情况',
			  '学校招生划片依据及会议纪要', '医疗保障定点机构名单及考核结果',
			  '农村集体土地征收的全部审批材料', '拆迁项目房屋评估报告',
			  '食品安全抽检结果及处理情况', '安全生产事故调查报告',
			  '交通信号灯设置依据', '社会救助资金发放名单',
			  '人才引进补贴的审核标准与名单', '河道整治工程验收报告',
			  '农业补贴发放明细', '旅游景区门票定价依据'])[1 + r.h2 / 1000 % 20]
	 || '，包括相关的请示、批复和会议记录。申请编号' || r.i || '，用于维护本人合法权益。',
       CASE WHEN r.h2 / 20000 % 3 = 0 THEN '性政发〔' || r.year || '〕' || r.h2 / 60000 % 200 || '号' END,
       CASE WHEN r.h3 % 10 < 4 THEN ARRAY['email'] ELSE ARRAY['paper'] END,
       CASE WHEN r.h3 % 10 < 4 THEN ARRAY['email'] ELSE ARRAY['post'] END,
       r.channel, r.submitted_at, r.received_on, r.status,
       r.due_on, r.outcome, r.concluded_on,
       CASE WHEN r.received_on IS NOT NULL THEN r.clerk_id END,
       CASE WHEN r.status = 'awaiting_supplement' THEN r.received_on + 3 END,
       r.submitted_at, r.submitted_at
  FROM perf_req r
  JOIN perf_pii_pool pool ON pool.k = r.i % :pool_n
 ORDER BY r.id;
SELECT setval('requests_id_seq', (SELECT max(id) FROM requests)) \g /dev/null

-- Appeals: one answered request in 40, filed 10-69 days after the
-- conclusion (if that day has come), decided 20-199 days after filing
-- (pending while that day has not come).
CREATE TEMP TABLE perf_appeal ON COMMIT DROP AS
SELECT a.*, a.decided_on <= a.today AS decided
  FROM (SELECT r.id AS request_id, r.clerk_id, r.today,
	       (ARRAY['review', 'review', 'suit_direct', 'suit_after_review'])[1 + r.h5 / 11 % 4] AS kind,
	       r.concluded_on + (10 + r.h5 / 44 % 60)::int AS filed_on,
	       r.concluded_on + (10 + r.h5 / 44 % 60)::int + (20 + r.h6 / 7 % 180)::int AS decided_on,
	       (ARRAY['upheld', 'upheld', 'upheld', 'corrected', 'other'])[1 + r.h6 / 1260 % 5] AS result
	  FROM perf_req r
	 WHERE r.status = 'answered' AND r.h5 % 40 = 0
	   AND r.concluded_on + (10 + r.h5 / 44 % 60)::int <= r.today) AS a;

-- The events, in the order they happened; seq is their position.
\echo dataset: planning the events
CREATE TEMP TABLE perf_ev ON COMMIT DROP AS
SELECT e.request_id, row_number() OVER (PARTITION BY e.request_id ORDER BY e.ord) AS seq,
       e.at, e.effective_on, e.actor_staff_id, e.actor_kind, e.action, e.data
  FROM (
	SELECT r.id AS request_id, 1 AS ord, r.submitted_at AS at,
	       (r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS effective_on,
	       NULL::bigint AS actor_staff_id, 'applicant' AS actor_kind, 'submitted' AS action,
	       jsonb_build_object('channel', 'online', 'applicant_kind', r.kind) AS data
	  FROM perf_req r WHERE r.channel = 'online'
	UNION ALL
	SELECT r.id, 1, r.submitted_at + interval '5 minutes', r.received_on, r.clerk_id,
	       'staff', 'registered',
	       jsonb_build_object('channel', r.channel, 'applicant_kind', r.kind,
				  'received_on', r.received_on)
	  FROM perf_req r WHERE r.channel <> 'online'
	UNION ALL
	SELECT r.id, 2, greatest(r.submitted_at + interval '30 minutes',
				 (r.received_on + time '10:00') AT TIME ZONE 'Asia/Shanghai'
				 + make_interval(mins => (r.h6 / 1000 % 300)::int)),
	       r.received_on, r.clerk_id, 'staff', 'confirmed',
	       jsonb_build_object('received_on', r.received_on)
	  FROM perf_req r WHERE r.channel = 'online' AND r.received_on IS NOT NULL
	UNION ALL
	SELECT r.id, 2, r.submitted_at + interval '1 hour',
	       (r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
	       r.clerk_id, 'staff', 'discarded', jsonb_build_object('reason', '重复提交')
	  FROM perf_req r WHERE r.status = 'discarded'
	UNION ALL
	SELECT r.id, 3, (r.received_on + 3 + time '11:00') AT TIME ZONE 'Asia/Shanghai',
	       r.received_on + 3, r.clerk_id, 'staff', 'supplement_asked',
	       jsonb_build_object('answer_by', r.received_on + 18)
	  FROM perf_req r WHERE r.status = 'awaiting_supplement'
	UNION ALL
	SELECT r.id, 4, (r.concluded_on + time '15:00') AT TIME ZONE 'Asia/Shanghai',
	       r.concluded_on, CASE WHEN r.status = 'withdrawn' THEN NULL ELSE r.clerk_id END,
	       CASE WHEN r.status = 'withdrawn' THEN 'applicant' ELSE 'staff' END,
	       CASE WHEN r.status = 'withdrawn' THEN 'withdrawn' ELSE 'replied' END,
	       CASE WHEN r.status = 'withdrawn' THEN jsonb_build_object('reason', '已通过其他途径获取')
		    ELSE jsonb_build_object('outcome', r.outcome) END
	  FROM perf_req r WHERE r.concluded_on IS NOT NULL
	UNION ALL
	SELECT a.request_id, 5, (a.filed_on + time '09:30') AT TIME ZONE 'Asia/Shanghai',
	       a.filed_on, a.clerk_id, 'staff', 'appeal_filed', jsonb_build_object('kind', a.kind)
	  FROM perf_appeal a
	UNION ALL
	SELECT a.request_id, 6, (a.decided_on + time '16:00') AT TIME ZONE 'Asia/Shanghai',
	       a.decided_on, a.clerk_id, 'staff', 'appeal_decided',
	       jsonb_build_object('result', a.result)
	  FROM perf_appeal a WHERE a.decided
       ) AS e;
CREATE INDEX ON perf_ev (seq);
ANALYZE perf_ev;

-- One pass per seq: each event's hash covers the previous one's
-- (fcgi/event_hash.h; keep the expression in step with it).
\echo dataset: inserting the events (hash chains)
SELECT format($f$
INSERT INTO request_events (request_id, seq, at, effective_on, actor_staff_id,
			    actor_kind, action, data, prev_hash, hash)
SELECT e.request_id, e.seq, e.at, e.effective_on, e.actor_staff_id, e.actor_kind,
       e.action, e.data, p.hash,
       sha256(convert_to(concat_ws('|', e.request_id::text, e.seq::text,
	   to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
	   to_char(e.effective_on, 'YYYY-MM-DD'), coalesce(e.actor_staff_id::text, ''),
	   e.actor_kind, e.action, e.data::text, coalesce(encode(p.hash, 'hex'), '')), 'UTF8'))
  FROM perf_ev e
  LEFT JOIN request_events p ON p.request_id = e.request_id AND p.seq = e.seq - 1
 WHERE e.seq = %s
 ORDER BY e.request_id$f$, s)
  FROM generate_series(1, (SELECT max(seq) FROM perf_ev)) AS s \gexec

-- These events carry no keyed MAC (the key stays out of SQL): the dataset
-- plays history written before the switch to MACs (migration 013), so the
-- switch moves past it (run as a superuser; the trigger refuses it otherwise).
ALTER TABLE audit_mac_switch DISABLE TRIGGER audit_mac_switch_append_only;
UPDATE audit_mac_switch SET first_event_id = (SELECT max(id) + 1 FROM request_events);
ALTER TABLE audit_mac_switch ENABLE TRIGGER audit_mac_switch_append_only;

\echo dataset: notices, 补正, appeals
INSERT INTO notices (request_id, event_seq, kind, notice_no, title, body, issued_on,
		     delivery_method, delivered_on, created_at)
SELECT e.request_id, e.seq, 'reply',
       '性' || right(r.agency_code, 2) || '依申〔' || extract(year FROM r.concluded_on) || '〕' || r.number || '号',
       '政府信息公开申请答复书',
       r.name_text || '：' || E'\n' || '本机关于' || to_char(r.received_on, 'YYYY"年"FMMM"月"FMDD"日"')
	 || '收到您提出的政府信息公开申请（' || r.tracking_no || '）。经审查，现答复如下：'
	 || CASE WHEN r.outcome IN ('disclosed', 'partial') THEN '您申请的信息属于公开范围，现予提供。'
		 ELSE '根据《中华人民共和国政府信息公开条例》的有关规定，不予提供或无法提供。' END
	 || E'\n' || '如对本答复不服，可以自收到本答复之日起60日内申请行政复议，或者在6个月内向人民法院提起行政诉讼。',
       r.concluded_on,
       CASE WHEN r.channel = 'online' THEN 'online' ELSE 'post' END,
       r.concluded_on + 2, (r.concluded_on + time '15:00') AT TIME ZONE 'Asia/Shanghai'
  FROM perf_ev e
  JOIN (SELECT p.*, q.name AS name_text, q.tracking_no
	  FROM perf_req p JOIN requests q ON q.id = p.id) r ON r.id = e.request_id
 WHERE e.action = 'replied';

INSERT INTO supplements (request_id, asked_on, what, answer_by)
SELECT r.id, r.received_on + 3, '请说明所需信息的具体名称、文号或者便于查询的其他特征性描述。',
       r.received_on + 18
  FROM perf_req r WHERE r.status = 'awaiting_supplement';

INSERT INTO appeals (request_id, kind, body, filed_on, result, decided_on)
SELECT a.request_id, a.kind,
       CASE WHEN a.kind = 'review' THEN '性能测试县人民政府' ELSE '性能测试县人民法院' END,
       a.filed_on, CASE WHEN a.decided THEN a.result ELSE 'pending' END,
       CASE WHEN a.decided THEN a.decided_on END
  FROM perf_appeal a;

\echo dataset: counters
INSERT INTO request_counts (agency_id, status, n)
SELECT r.agency_id, r.status, count(*)
  FROM requests r JOIN agencies a ON a.id = r.agency_id
 WHERE a.parent_id = (SELECT id FROM agencies WHERE code = :'prefix')
 GROUP BY 1, 2
ON CONFLICT (agency_id, status) DO UPDATE SET n = EXCLUDED.n;

INSERT INTO tracking_counters (agency_id, year, last_no)
SELECT agency_id, year, max(number) FROM perf_req GROUP BY 1, 2
ON CONFLICT (agency_id, year) DO UPDATE SET last_no = EXCLUDED.last_no;

\echo dataset: building the indexes of requests again
SELECT def FROM perf_index \gexec
COMMIT;

DROP TABLE perf_pii_pool;
\echo dataset: VACUUM ANALYZE
VACUUM ANALYZE requests;
VACUUM ANALYZE request_events;
VACUUM ANALYZE notices;
VACUUM ANALYZE supplements;
VACUUM ANALYZE appeals;
VACUUM ANALYZE staff;
VACUUM ANALYZE agencies;
