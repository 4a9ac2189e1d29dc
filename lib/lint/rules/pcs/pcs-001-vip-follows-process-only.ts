import type { PcsDocument } from '../../documents/pcs';
import type { LintRule } from '../../types';

/** A Pacemaker VIP placed by nothing but a systemd unit. */
export const PCS_001: LintRule<PcsDocument> = {
  id: 'IDHA-PCS-001',
  kind: 'pcs',
  severity: 'warning',
  title: 'The virtual IP follows only a systemd unit: nothing checks that the application answers',
  why:
    "Pacemaker's systemd resources monitor the unit, not the application: a Tomcat whose unit runs but whose webapp does not answer " +
    'keeps the VIP. With Debian\'s tomcat10 (Type=simple) the unit is "started" long before the webapps answer.',
  source: 'Pacemaker Explained, "systemd" resource class; Debian\'s tomcat10.service (Type=simple)',
  fix:
    'Add a health check resource (an OCF agent, as `idha synth` renders, or ocf:heartbeat:tomcat or apache with a status URL) and ' +
    'place the VIP only where it passes.',
  check: (doc) => {
    const creates = doc.commands.filter((c) => c.words[0] === 'resource' && c.words[1] === 'create');
    const vips = creates.filter((c) => /^(ocf:heartbeat:)?IPaddr2$/.test(c.words[3] ?? ''));
    const checked = creates.some((c) => {
      const agent = c.words[3] ?? '';
      return !/^(ocf:heartbeat:)?IPaddr2$/.test(agent) && !agent.startsWith('systemd:') && !agent.startsWith('stonith:');
    });
    const rules = doc.commands.some((c) => c.words[0] === 'constraint' && c.words[1] === 'location' && c.words.includes('rule'));
    return checked || rules ? [] : vips.map((v) => ({ line: v.line, message: `virtual IP ${v.words[2] ?? ''} has no health check beside it` }));
  },
};
