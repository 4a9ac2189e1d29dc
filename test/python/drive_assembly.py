#!/usr/bin/env python3
"""Drives the identity-ha jsii assembly from Python the way the Python `jsii` package does: it starts
@jsii/runtime (the kernel process the Python binding embeds), loads the packaged tarballs, and speaks
the kernel's JSON-lines protocol on stdin/stdout, answering callbacks into Python code.

    python3 drive_assembly.py <runtime.js> <tarballs.json> <outdir>

tarballs.json: [{"name", "version", "tarball"}, ...] in load order. Prints one JSON object (the
results the Node test checks) on stdout. Standard library only: no PyPI.
"""
import json
import subprocess
import sys


class KernelError(Exception):
    pass


class Kernel:
    def __init__(self, runtime):
        self.proc = subprocess.Popen(
            ["node", runtime], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, bufsize=1,
        )
        hello = json.loads(self.proc.stdout.readline())
        if "hello" not in hello:
            raise KernelError(f"no hello from the kernel: {hello}")
        self.hello = hello["hello"]
        self.objects = {}  # objref id -> Python object answering callbacks

    def request(self, req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise KernelError("the kernel exited")
            msg = json.loads(line)
            if "callback" in msg:
                self._callback(msg["callback"])
                continue
            if "error" in msg:
                raise KernelError(msg["error"])
            return msg.get("ok")

    def _callback(self, cb):
        try:
            if "invoke" in cb:
                inv = cb["invoke"]
                target = self.objects[inv["objref"]["$jsii.byref"]]
                result = getattr(target, inv["method"])(*inv.get("args", []))
            elif "get" in cb:
                g = cb["get"]
                result = getattr(self.objects[g["objref"]["$jsii.byref"]], g["property"])
            else:
                raise KernelError(f"unsupported callback {cb}")
            reply = {"complete": {"cbid": cb["cbid"], "result": result}}
        except Exception as e:  # the error goes back to the kernel, as the binding does
            reply = {"complete": {"cbid": cb["cbid"], "err": f"{type(e).__name__}: {e}"}}
        self.proc.stdin.write(json.dumps(reply) + "\n")
        self.proc.stdin.flush()

    # The calls the generated Python classes make.
    def load(self, name, version, tarball):
        return self.request({"api": "load", "name": name, "version": version, "tarball": tarball})

    def create(self, fqn, args=(), overrides=(), interfaces=(), impl=None):
        ref = self.request({"api": "create", "fqn": fqn, "args": list(args), "overrides": list(overrides), "interfaces": list(interfaces)})
        if impl is not None:
            self.objects[ref["$jsii.byref"]] = impl
        return ref

    def invoke(self, ref, method, *args):
        return self.request({"api": "invoke", "objref": ref, "method": method, "args": list(args)}).get("result")

    def sinvoke(self, fqn, method, *args):
        return self.request({"api": "sinvoke", "fqn": fqn, "method": method, "args": list(args)}).get("result")

    def get(self, ref, prop):
        return self.request({"api": "get", "objref": ref, "property": prop}).get("value")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class Ref:
    """A struct the kernel passed by reference: each field is read with a `get`, as the binding does."""

    def __init__(self, kernel, ref):
        self.kernel, self.ref = kernel, ref

    def __getitem__(self, name):
        return wrap(self.kernel, self.kernel.get(self.ref, name))


def wrap(kernel, value):
    if isinstance(value, list):
        return [wrap(kernel, v) for v in value]
    if isinstance(value, dict) and "$jsii.byref" in value:
        return Ref(kernel, value)
    if isinstance(value, dict) and "$jsii.struct" in value:
        return {k: wrap(kernel, v) for k, v in value["$jsii.struct"]["data"].items()}
    return value


def fields(kernel, value, names):
    """Named fields of a struct (or each struct of a list) as plain data."""
    v = wrap(kernel, value)
    if isinstance(v, list):
        return [fields(kernel, x, names) for x in v]
    return {n: (v[n] if not isinstance(v[n], Ref) else "<ref>") for n in names}


class CsvTarget:
    """A target written in Python: a subclass of HaTargetBase whose members the kernel calls back."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.platform = "csv"
        self.strategy = {"$jsii.enum": "identity-ha.HaStrategy/LOAD_BALANCER"}
        self.validated = 0

    def validate(self, model, problems):
        self.validated += 1
        if wrap(self.kernel, model)["name"] == "python-refuses-this":
            self.kernel.invoke(problems, "add", {"field": "name", "value": "python-refuses-this", "allowed": "any name but that one", "fix": "rename the service"})
        return None

    def render(self, scope, model):
        members = wrap(self.kernel, model)["pools"][0]["members"]
        value = ",".join(f"{m['name']}={m['address']['value']}" for m in members)
        self.kernel.create("cdktf.TerraformOutput", [scope, "members", {"value": value}])
        return None

    def estimate(self, model):
        return {"service": wrap(self.kernel, model)["name"], "platform": "csv", "worstCaseSeconds": 1, "formula": "python", "terms": [], "failbackSeconds": 1, "failbackFormula": "python"}

    def snippets(self, model):
        return [{"kind": "csv", "fileName": "members.csv", "content": "written in Python\n"}]


def main():
    runtime, tarballs_file, outdir = sys.argv[1:4]
    k = Kernel(runtime)
    out = {"hello": k.hello}
    for t in json.load(open(tarballs_file)):
        k.load(t["name"], t["version"], t["tarball"])

    # The App, a stack, a provider and a pair with an AWS target, as a Python user writes them.
    app = k.create("cdktf.App", [{"outdir": outdir}])
    stack = k.create("cdktf.TerraformStack", [app, "python"])
    k.create("@cdktf/provider-aws.provider.AwsProvider", [stack, "aws", {"region": "eu-west-1"}])
    aws = k.create("identity-ha.AwsNlbTarget", [{"vpcId": "vpc-0a1b2c3d", "subnetIds": ["subnet-0aaa1111", "subnet-0bbb2222"], "targetSecurityGroupId": "sg-0123abcd"}])
    csv = CsvTarget(k)
    overrides = [{"method": m} for m in ["validate", "render", "estimate", "snippets"]] + [{"property": p} for p in ["platform", "strategy"]]
    csv_ref = k.create("identity-ha.HaTargetBase", [], overrides=overrides, impl=csv)
    props = {
        "primary": {"address": "10.0.1.10", "iqserviceVersion": "8.4p2"},
        "secondary": {"address": "10.0.2.10", "iqserviceVersion": "8.4p2"},
        "allowedClients": ["10.20.0.0/24"],
        "targets": [aws, csv_ref],
    }
    pair = k.create("identity-ha.IqServiceHaPair", [stack, "iqservice", props])
    out["snippets"] = fields(k, k.invoke(pair, "snippets"), ["kind", "fileName", "content"])
    out["estimates"] = [e["platform"] for e in fields(k, k.invoke(pair, "failoverEstimates"), ["platform"])]
    out["validatedByPython"] = csv.validated
    k.invoke(app, "synth")

    # Validation problems as data, and the same problems as an error from the constructor.
    bad = dict(props, port=0, targets=[aws])
    out["problems"] = fields(k, k.sinvoke("identity-ha.IqServiceHaPair", "validate", bad), ["field", "value", "allowed"])
    try:
        k.create("identity-ha.IqServiceHaPair", [stack, "bad", bad])
        out["constructorError"] = None
    except KernelError as e:
        out["constructorError"] = str(e)
    # A problem raised by the Python target's own validate.
    out["pythonProblems"] = fields(k, k.sinvoke("identity-ha.IqServiceHaPair", "validate", dict(props, serviceName="python-refuses-this", targets=[csv_ref])), ["field", "value", "fix"])
    # A facade: the topology file as the CLI reads it.
    topo = k.sinvoke("identity-ha.Topology", "fromFile", sys.argv[4])
    out["topologyServices"] = k.get(topo, "serviceNames")
    out["haproxySnippetHead"] = k.sinvoke("identity-ha.Snippets", "render", topo, "haproxy").split("\n")[0]
    k.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
