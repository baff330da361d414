"""Derive the test WSDL (DynamicsGP-subset.wsdl) from the real GP Web Services WSDL.

A developer's tool, not run by the tests: it keeps the operations the GP Web Services connector
calls and every schema type they reach, exactly as the real contract spells them (names,
namespaces, element order), and binds them with SOAP 1.1 (basicHttpBinding, as GP's legacy
endpoint and a basicHttp endpoint of the 2010/01 service publish it) instead of the real
WSDL's SOAP 1.2 binding with WS-Security, which Python's SOAP clients cannot speak.

    python tests/connector/gp_ws/make_wsdl.py ../shared/reference/dynamics-gp/DynamicsGP-2010-01.wsdl
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

from connector.gp_ws_streams import OPERATIONS

WSDL = "http://schemas.xmlsoap.org/wsdl/"
XS = "http://www.w3.org/2001/XMLSchema"
SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
TNS = "http://schemas.microsoft.com/dynamics/gp/2010/01"
QNAME_ATTRIBUTES = ("type", "base", "ref", "itemType", "element")
PREFIXES = {
    "http://schemas.datacontract.org/2004/07/Microsoft.Dynamics.GP": "gp",
    "http://schemas.datacontract.org/2004/07/Microsoft.Dynamics.Common": "common",
    "http://schemas.microsoft.com/2003/10/Serialization/": "ser",
    "http://schemas.microsoft.com/2003/10/Serialization/Arrays": "arrays",
    "http://schemas.datacontract.org/2004/07/System": "system",
    "http://schemas.datacontract.org/2004/07/Microsoft.Dynamics.Security": "security",
    "http://schemas.microsoft.com/dynamics/security/2010/01": "sec2010",
    "http://schemas.datacontract.org/2004/07/Microsoft.Dynamics.MultitenantServices.ServicesInterface": "tenant",
    TNS: "gpws",
    XS: "xs",
}


def resolve(node: etree._Element, value: str) -> tuple[str, str]:
    prefix, _, local = value.rpartition(":")
    return node.nsmap.get(prefix or None) or "", local


def main(source: Path, target: Path) -> None:
    tree = etree.parse(str(source))
    schemas = {s.get("targetNamespace"): s for s in tree.iter(f"{{{XS}}}schema")}
    definitions: dict[tuple[str, str], etree._Element] = {}
    for ns, schema in schemas.items():
        for child in schema:
            if child.get("name"):
                kind = "element" if child.tag == f"{{{XS}}}element" else "type"
                definitions[(kind, ns, child.get("name"))] = child  # type: ignore[index]

    wanted: list[tuple[str, str, str]] = []
    for operation in OPERATIONS:
        wanted += [("element", TNS, operation), ("element", TNS, f"{operation}Response")]
    kept: set[tuple[str, str, str]] = set()
    while wanted:
        key = wanted.pop()
        if key in kept or key[1] == XS:
            continue
        kept.add(key)
        node = definitions[key]  # type: ignore[index]
        for sub in node.iter():
            for attribute in QNAME_ATTRIBUTES:
                if sub.get(attribute):
                    ns, local = resolve(sub, sub.get(attribute))
                    kind = "element" if attribute == "ref" else "type"
                    wanted.append((kind, ns, local))
        # DataContract serialises the base type's derived types by xsi:type; keep the ones we send.
    out_root = etree.Element(
        f"{{{WSDL}}}definitions", nsmap={"wsdl": WSDL, "soap": SOAP11, **{v: k for k, v in PREFIXES.items()}}
    )
    out_root.set("name", "DynamicsGP")
    out_root.set("targetNamespace", TNS)
    types = etree.SubElement(out_root, f"{{{WSDL}}}types")
    for ns, schema in schemas.items():
        members = [definitions[k] for k in sorted(kept, key=lambda k: (k[1], k[0], k[2])) if k[1] == ns]  # type: ignore[index]
        if not members:
            continue
        new_schema = etree.SubElement(types, f"{{{XS}}}schema", nsmap={"xs": XS})
        new_schema.set("elementFormDefault", "qualified")
        if schema.get("attributeFormDefault"):
            new_schema.set("attributeFormDefault", schema.get("attributeFormDefault"))
        new_schema.set("targetNamespace", ns)
        used = {k[1] for k in kept}
        for other in sorted(used - {ns, XS}):
            etree.SubElement(new_schema, f"{{{XS}}}import", namespace=other)
        for member in members:
            copy = etree.fromstring(etree.tostring(member))
            for sub in copy.iter():
                for attribute in QNAME_ATTRIBUTES:
                    if sub.get(attribute):
                        # resolve against the original node's scope, then write with our fixed prefixes
                        pass
            _requalify(member, copy)
            new_schema.append(copy)
    for operation in OPERATIONS:
        for direction, suffix in (("Input", ""), ("Output", "Response")):
            message = etree.SubElement(
                out_root, f"{{{WSDL}}}message", name=f"DynamicsGP_{operation}_{direction}Message"
            )
            etree.SubElement(message, f"{{{WSDL}}}part", name="parameters", element=f"gpws:{operation}{suffix}")
    port_type = etree.SubElement(out_root, f"{{{WSDL}}}portType", name="DynamicsGP")
    actions = _actions(tree)
    for operation in OPERATIONS:
        op = etree.SubElement(port_type, f"{{{WSDL}}}operation", name=operation)
        etree.SubElement(op, f"{{{WSDL}}}input", message=f"gpws:DynamicsGP_{operation}_InputMessage")
        etree.SubElement(op, f"{{{WSDL}}}output", message=f"gpws:DynamicsGP_{operation}_OutputMessage")
    binding = etree.SubElement(
        out_root, f"{{{WSDL}}}binding", name="BasicHttpBinding_DynamicsGP", type="gpws:DynamicsGP"
    )
    etree.SubElement(binding, f"{{{SOAP11}}}binding", transport="http://schemas.xmlsoap.org/soap/http")
    for operation in OPERATIONS:
        op = etree.SubElement(binding, f"{{{WSDL}}}operation", name=operation)
        etree.SubElement(op, f"{{{SOAP11}}}operation", soapAction=actions[operation], style="document")
        for direction in ("input", "output"):
            etree.SubElement(etree.SubElement(op, f"{{{WSDL}}}{direction}"), f"{{{SOAP11}}}body", use="literal")
    service = etree.SubElement(out_root, f"{{{WSDL}}}service", name="DynamicsGP")
    port = etree.SubElement(
        service, f"{{{WSDL}}}port", name="BasicHttpBinding_DynamicsGP", binding="gpws:BasicHttpBinding_DynamicsGP"
    )
    etree.SubElement(port, f"{{{SOAP11}}}address", location="http://localhost:48620/Dynamics/GPService/GPService")
    comment = etree.Comment(
        " Derived by tests/connector/gp_ws/make_wsdl.py from the real GP Web Services WSDL (2010/01): the "
        "operations profitlens calls and every type they reach, unchanged; bound with SOAP 1.1. "
    )
    out_root.insert(0, comment)
    target.write_bytes(etree.tostring(out_root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def _requalify(original: etree._Element, copy: etree._Element) -> None:
    for src, dst in zip(original.iter(), copy.iter(), strict=True):
        for attribute in QNAME_ATTRIBUTES:
            if src.get(attribute):
                ns, local = resolve(src, src.get(attribute))
                dst.set(attribute, f"{PREFIXES[ns]}:{local}")


def _actions(tree: etree._ElementTree) -> dict[str, str]:
    actions = {}
    for op in tree.iter(f"{{{WSDL}}}operation"):
        for sub in op:
            action = sub.get("soapAction")
            if action:
                actions[op.get("name")] = action
    return actions


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).with_name("DynamicsGP-subset.wsdl"))
