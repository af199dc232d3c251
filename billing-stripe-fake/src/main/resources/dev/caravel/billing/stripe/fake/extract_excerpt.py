# Usage: python3 extract_excerpt.py SPEC3_YAML OUT_JSON  (see README.md beside this file)
import yaml, json, sys
spec = yaml.safe_load(open(sys.argv[1]))
want = [("post","/v1/payment_intents"),("get","/v1/payment_intents/{intent}"),("get","/v1/payment_intents"),
        ("post","/v1/payment_intents/{intent}/cancel"),("post","/v1/refunds"),("get","/v1/customers/{customer}"),
        ("get","/v1/customers/{customer}/payment_methods"),
        # saving a card: Checkout in setup mode, its SetupIntent, the customer's default, detach
        ("post","/v1/checkout/sessions"),("get","/v1/checkout/sessions/{session}"),
        ("get","/v1/setup_intents/{intent}"),("post","/v1/customers/{customer}"),
        ("post","/v1/payment_methods/{payment_method}/detach")]
comps = spec["components"]["schemas"]
def resolve(s, depth=0):
    if isinstance(s, dict):
        if "$ref" in s:
            name = s["$ref"].split("/")[-1]
            # request-body schemas never ref to big objects except in rare cases; keep ref name only
            return {"$ref": name}
        out = {}
        for k,v in s.items():
            if k in ("description","title","x-stripeBypassValidation","x-expansionResources"): continue
            out[k] = resolve(v, depth+1)
        return out
    if isinstance(s, list): return [resolve(x, depth+1) for x in s]
    return s
out = {"source":"github.com/stripe/openapi openapi/spec3.yaml at commit 63a674638635c68de26b9f3add13e58198f4df44 (2023-09-12)",
       "specVersion": spec["info"]["version"], "endpoints": {}}
for m,p in want:
    op = spec["paths"][p][m]
    e = {"operationId": op.get("operationId")}
    params = []
    for prm in op.get("parameters", []):
        params.append({"name":prm["name"],"in":prm["in"],"required":prm.get("required",False),"schema":resolve(prm.get("schema",{})), "style":prm.get("style"), "explode": prm.get("explode")})
    e["parameters"] = params
    rb = op.get("requestBody")
    if rb:
        e["requestBody"] = resolve(rb["content"]["application/x-www-form-urlencoded"]["schema"])
    out["endpoints"][m.upper()+" "+p] = e
out["note"] = ("Request schemas (query/path parameters and application/x-www-form-urlencoded bodies) of the endpoints "
    "StripeGateway and StripeCards call, cut from Stripe's published OpenAPI spec by the script in this folder's README; "
    "descriptions dropped. The newest spec3 whose blob the mirror holds is API version 2023-08-16 (the version that made "
    "automatic_payment_methods the default, hence the return_url rule); the gateway pins 2024-06-20, whose request "
    "parameters for these endpoints are a superset of these. FakeStripe validates every request against it.")
s = json.dumps(out, indent=1, sort_keys=True)
print(len(s))
import re
print(sorted(set(re.findall(r'"\$ref": "([^"]+)"', s))))
open(sys.argv[2],'w').write(s)
