// Route → page.
import { Layout } from './components/Layout.js';
import { useRoute } from './router.js';
import { OverviewPage } from './pages/OverviewPage.js';
import { LayerPage } from './pages/LayerPage.js';
import { NeuronPage } from './pages/NeuronPage.js';
import { ConceptsPage } from './pages/ConceptsPage.js';
import { CircuitsPage } from './pages/CircuitsPage.js';
import { CircuitPage } from './pages/CircuitPage.js';
import { ProbesPage } from './pages/ProbesPage.js';
import { AttributionsPage } from './pages/AttributionsPage.js';
import { AttributionPage } from './pages/AttributionPage.js';
import { ImagesPage } from './pages/ImagesPage.js';
import { ImagePage } from './pages/ImagePage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';

export function App() {
  const route = useRoute();
  return (
    <Layout route={route}>
      <Page route={route} />
    </Layout>
  );
}

function Page({ route }: { route: ReturnType<typeof useRoute> }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'layer':
      return <LayerPage key={route.layer} layer={route.layer} />;
    case 'neuron':
      return <NeuronPage layer={route.layer} channel={route.channel} />;
    case 'concepts':
      return <ConceptsPage key={route.layer ?? ''} layer={route.layer} focus={route.cluster} />;
    case 'circuits':
      return <CircuitsPage />;
    case 'circuit':
      return <CircuitPage key={route.name} name={route.name} circuit={route.circuit} />;
    case 'probes':
      return <ProbesPage key={route.layer ?? ''} layer={route.layer} />;
    case 'attributions':
      return <AttributionsPage />;
    case 'attribution':
      return <AttributionPage name={route.name} />;
    case 'images':
      return <ImagesPage />;
    case 'image':
      return <ImagePage index={route.index} />;
    case 'not-found':
      return <NotFoundPage path={route.path} />;
  }
}
