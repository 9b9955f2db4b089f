// Pins down the custom-probe form's note for a helper started through pkexec
// (src/renderer/components/CustomProbeForm.tsx): such a helper offers the
// catalog only, and the form says so before the user tries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import { CustomProbeForm } from '../../src/renderer/components/CustomProbeForm.js';
import { EMPTY_CUSTOM } from '../../src/renderer/custom-probe.js';

const render = (catalogOnly: boolean): string => renderToStaticMarkup(
  <CustomProbeForm value={EMPTY_CUSTOM} onChange={() => undefined} active={false} onActivate={() => undefined}
    showAll={false} catalogOnly={catalogOnly} />,
);

test('with a pkexec helper the form says custom probes need root; as root it does not', () => {
  assert.match(render(true), /data-testid="custom-needs-root"[^>]*>Custom probes need root: the helper runs for you through pkexec/);
  assert.doesNotMatch(render(false), /custom-needs-root/);
});
