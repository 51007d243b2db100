// The guide's edit of libvirt.xml, with an XML parser rather than sed: "Change the DHCPSERVER value
// to the host IP address of the new compute host. Update the VNC IP to 0.0.0.0." Only those
// attributes change; everything else (comments, whitespace, order) is serialised as it was read.
// A file that does not parse cleanly is not edited at all.
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';
import { createHash } from 'node:crypto';

export const VNC_LISTEN_ANY = '0.0.0.0';

export interface XmlEdit {
  /** The edited document (the same text when nothing needed changing). */
  text: string;
  /** What changed, one line each, e.g. "DHCPSERVER 127.0.0.12 -> 127.0.0.11". */
  changes: string[];
}

export class LibvirtXmlError extends Error {}

/** Parses strictly: any warning or error of the parser is a reason not to touch the file. */
export function parseXml(text: string): ReturnType<DOMParser['parseFromString']> {
  const problems: string[] = [];
  const doc = new DOMParser({
    onError: (level, message) => {
      problems.push(`${level}: ${message.trim()}`);
      throw new LibvirtXmlError(message);
    },
  });
  let parsed;
  try {
    parsed = doc.parseFromString(text, 'text/xml');
  } catch (error) {
    throw new LibvirtXmlError(`not well-formed XML (${problems[0] ?? (error as Error).message})`);
  }
  const root = parsed.documentElement;
  if (!root || root.tagName !== 'domain') throw new LibvirtXmlError(`not a libvirt domain (root element ${root?.tagName ?? 'none'})`);
  return parsed;
}

function elements(root: Element, name: string): Element[] {
  return Array.from(root.getElementsByTagName(name));
}

/** DHCPSERVER parameters of the network filters, and VNC listen addresses (attribute and <listen>). */
export function readAddresses(text: string): { dhcpServers: string[]; vncListen: string[] } {
  const root = parseXml(text).documentElement!;
  return {
    dhcpServers: dhcpParameters(root).map((p) => p.getAttribute('value') ?? ''),
    vncListen: vncAddresses(root).map(([el, attr]) => el.getAttribute(attr) ?? ''),
  };
}

function dhcpParameters(root: Element): Element[] {
  return elements(root, 'filterref').flatMap((f) => elements(f, 'parameter').filter((p) => p.getAttribute('name') === 'DHCPSERVER'));
}

/** [element, attribute] pairs that hold a VNC listen address. */
function vncAddresses(root: Element): [Element, string][] {
  const out: [Element, string][] = [];
  for (const g of elements(root, 'graphics').filter((el) => el.getAttribute('type') === 'vnc')) {
    if (g.hasAttribute('listen')) out.push([g, 'listen']);
    for (const l of elements(g, 'listen')) if (l.getAttribute('type') === 'address' && l.hasAttribute('address')) out.push([l, 'address']);
  }
  return out;
}

export function editLibvirtXml(text: string, targetIp: string): XmlEdit {
  const doc = parseXml(text);
  const root = doc.documentElement!;
  const changes: string[] = [];
  for (const p of dhcpParameters(root)) {
    const old = p.getAttribute('value');
    if (old === targetIp) continue;
    p.setAttribute('value', targetIp);
    changes.push(`DHCPSERVER ${old ?? '(none)'} -> ${targetIp}`);
  }
  for (const [el, attr] of vncAddresses(root)) {
    const old = el.getAttribute(attr);
    if (old === VNC_LISTEN_ANY) continue;
    el.setAttribute(attr, VNC_LISTEN_ANY);
    changes.push(`VNC listen ${old ?? '(none)'} -> ${VNC_LISTEN_ANY}`);
  }
  if (changes.length === 0) return { text, changes };
  const out = new XMLSerializer().serializeToString(doc);
  // What is written must itself parse, and say what was meant.
  const back = readAddresses(out);
  if (back.dhcpServers.some((v) => v !== targetIp) || back.vncListen.some((v) => v !== VNC_LISTEN_ANY)) {
    throw new LibvirtXmlError('the edited document does not read back as edited');
  }
  return { text: out.endsWith('\n') || !text.endsWith('\n') ? out : `${out}\n`, changes };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
