// The page frame: run name, main navigation (plain links: keyboard-accessible), content.
import type { ReactNode } from 'react';
import type { OverviewResponse } from '../contract.js';
import { useApi } from '../data.js';
import { links, type Route } from '../router.js';

const sections: { label: string; href: string; pages: Route['page'][] }[] = [
  { label: 'Overview', href: links.overview(), pages: ['overview', 'layer', 'neuron'] },
  { label: 'Concepts', href: links.concepts(), pages: ['concepts'] },
  { label: 'Circuits', href: links.circuits(), pages: ['circuits', 'circuit'] },
  { label: 'Probes', href: links.probes(), pages: ['probes'] },
  { label: 'Attribution', href: links.attributions(), pages: ['attributions', 'attribution'] },
  { label: 'Images', href: links.images(), pages: ['images', 'image'] },
];

export function Layout({ route, children }: { route: Route; children: ReactNode }) {
  const overview = useApi<OverviewResponse>('/api/overview');
  return (
    <>
      <header className="top">
        <a className="brand" href={links.overview()}>
          neurolens
        </a>
        <span className="muted" data-testid="run-name">
          {overview.data ? `${overview.data.run.name} · ${overview.data.model.file}` : ''}
        </span>
        <nav aria-label="main">
          {sections.map((s) => (
            <a key={s.label} href={s.href} aria-current={s.pages.includes(route.page) ? 'page' : undefined}>
              {s.label}
            </a>
          ))}
        </nav>
      </header>
      <main>{children}</main>
    </>
  );
}
