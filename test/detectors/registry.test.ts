import { DETECTORS, findingTypes, intelCategories } from '../../lambdas/detectors';
import type { DetectorCase } from '../../lambdas/engine/detector';
import { runCase } from './harness';

describe('detector registry', () => {
  it('lists detectors with unique ids and declared finding types', () => {
    const ids = DETECTORS.map((d) => d.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of DETECTORS) {
      expect(d.meta.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(d.meta.title.length).toBeGreaterThan(0);
      expect(d.meta.runbook.length).toBeGreaterThan(10);
      expect(d.meta.findingTypes.length).toBeGreaterThan(0);
      for (const t of d.meta.findingTypes) expect(t.type).toMatch(/^[A-Za-z]+:[A-Za-z0-9]+\/[A-Za-z0-9&.!]+$/);
    }
  });

  it('gives every detector a positive case, a near miss and benign traffic', () => {
    for (const d of DETECTORS) {
      const cases = d.cases ?? [];
      expect({ detector: d.meta.id, positive: cases.some((c) => c.expect.length > 0) }).toEqual({ detector: d.meta.id, positive: true });
      expect({ detector: d.meta.id, nearMiss: cases.some((c) => c.expect.length === 0 && /near miss/i.test(c.name)) }).toEqual({ detector: d.meta.id, nearMiss: true });
      expect({ detector: d.meta.id, benign: cases.some((c) => c.expect.length === 0 && /benign/i.test(c.name)) }).toEqual({ detector: d.meta.id, benign: true });
    }
  });

  it('exposes the intel categories detectors read, without the custom-list category', () => {
    expect(intelCategories()).toContain('c2');
    expect(intelCategories()).not.toContain('custom');
    expect(findingTypes()).toContain('UnauthorizedAccess:EC2/SSHBruteForce');
  });

  const all = DETECTORS.flatMap((d) => (d.cases ?? []).map((c) => [d.meta.id, c.name, d, c] as const));
  it.each(all)('%s: %s', async (_id, _name, detector, c) => {
    const findings = await runCase(detector, c as DetectorCase);
    expect(findings.map((f) => f.type).sort()).toEqual([...c.expect].sort());
    const declared = new Set(detector.meta.findingTypes.map((t) => t.type));
    for (const f of findings) {
      expect(declared.has(f.type)).toBe(true);
      expect(f.service.count).toBeGreaterThan(0);
      expect(f.resource.resourceType).toBe(detector.meta.findingTypes.find((t) => t.type === f.type)!.resourceType);
    }
  });
});
