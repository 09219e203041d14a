#!/usr/bin/env python3
"""pii_pool.py URL COUNT: submit COUNT requests to the agency `demo`
through the JSON API, each with its own valid 居民身份证号码 and mobile
number, so that the stack encrypts them with its own key. dataset.sh then
copies their ciphertexts into the generated rows (report_dataset.sql).
Standard library only."""
import json
import sys
import urllib.request

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(k):
	"""A valid 18-character number (GB 11643): area, birth date, order, check."""
	body = "330106%04d%02d%02d%03d" % (1950 + k % 50, 1 + k % 12, 1 + k % 28, k % 1000)
	total = sum(int(c) * w for c, w in zip(body, WEIGHTS))
	return body + "10X98765432"[total % 11]


def main():
	url, count = sys.argv[1], int(sys.argv[2])
	for k in range(count):
		body = {
			"applicant_kind": "person", "name": "密文样本%d" % k,
			"id_type": "resident_id", "id_number": resident_id(k),
			"phone": "139%08d" % (k * 7919 % 100000000),
			"description": "性能测试密文样本第%d号：请公开本单位的年度预算。" % k,
			"provision_forms": ["paper"], "obtain_methods": ["pickup"],
			"declaration": True, "privacy_consent": True,
		}
		req = urllib.request.Request(
			url + "/api/v1/agencies/demo/requests", data=json.dumps(body).encode(),
			headers={"Content-Type": "application/json"}, method="POST")
		with urllib.request.urlopen(req) as r:
			if r.status != 201:
				sys.exit("pii_pool: %s answered %d" % (url, r.status))


if __name__ == "__main__":
	main()
