<?php
/*
 * make bench's PHP-FPM reference row (issue 17): the citizen's status
 * look-up written plainly in PHP with PDO, as agencies' portals do it
 * today — the request found by tracking number and query code (the code's
 * keyed hash computed as ysqgk does: BLAKE2b under the key crypto_kdf
 * derives from the secret key, fcgi/core/app.c and core/pii.c), its events,
 * JSON out. Served by Debian's php-fpm behind the stack's own nginx on the
 * same dataset, so that both rows measure the same work on the same
 * machine. Not part of the product: deploy/bench.sh starts it and only it.
 */
header('Content-Type: application/json; charset=utf-8');

function answer(int $status, array $body): void
{
	http_response_code($status);
	echo json_encode($body, JSON_UNESCAPED_UNICODE);
	exit;
}

$tracking = $_POST['tracking_no'] ?? '';
$code = strtoupper(str_replace([' ', '-', "\t"], '', $_POST['query_code'] ?? ''));
if ($tracking === '' || !preg_match('/^[0-9A-Z]{10}$/', $code))
	answer(422, ['error' => '请填写申请编号和查询码']);

$secret = file_get_contents(getenv('YSQGK_SECRET_KEY_FILE'));
$hash_key = sodium_crypto_kdf_derive_from_key(32, 3, 'ysqgkpii', substr($secret, 0, 32));
$code_hash = sodium_crypto_generichash($code, $hash_key, 32);

$db = new PDO('pgsql:host=' . getenv('YSQGK_PGHOST') . ';dbname=ysqgk', getenv('YSQGK_PGUSER'), null,
	      [PDO::ATTR_PERSISTENT => true, PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$find = $db->prepare('SELECT r.id, r.tracking_no, r.status, r.submitted_at, r.received_on, r.due_on,
	r.concluded_on, r.outcome, r.description, a.name AS agency_name
	FROM requests r JOIN agencies a ON a.id = r.agency_id
	WHERE r.tracking_no = ? AND r.query_code_hash = ?');
$find->bindValue(1, $tracking);
$find->bindValue(2, $code_hash, PDO::PARAM_LOB);
$find->execute();
$request = $find->fetch(PDO::FETCH_ASSOC);
if (!$request)
	answer(404, ['error' => '申请编号或查询码不正确']);

$events = $db->prepare('SELECT seq, at, effective_on, actor_kind, action FROM request_events
	WHERE request_id = ? ORDER BY seq');
$events->execute([$request['id']]);
unset($request['id']);
$request['events'] = $events->fetchAll(PDO::FETCH_ASSOC);
answer(200, $request);
