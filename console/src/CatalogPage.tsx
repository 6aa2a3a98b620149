import type { EventType, EventTypesAnswer } from './api';
import { PageState } from './PageState';
import type { PageProps } from './pageProps';
import { useApi } from './useApi';

function EventTypeSection({ t, language, type }: PageProps & { type: EventType }) {
  const id = `type-${type.name.replace('.', '-')}`;
  return (
    <section aria-labelledby={id} className="event-type">
      <h2 id={id}>
        {t.events[type.name]} <code>{type.name}</code>
      </h2>
      <div className="table-scroll">
        <table className="fields">
          <caption>{t.catalog.fieldsOf(type.name)}</caption>
          <thead>
            <tr>
              <th scope="col">{t.catalog.field}</th>
              <th scope="col">{t.catalog.type}</th>
              <th scope="col">{t.catalog.required}</th>
              <th scope="col">{t.catalog.description}</th>
              <th scope="col">{t.catalog.source}</th>
            </tr>
          </thead>
          <tbody>
            {type.fields.map((field) => (
              <tr key={field.path}>
                <td data-label={t.catalog.field}>
                  <code>{field.path}</code>
                </td>
                <td data-label={t.catalog.type}>{field.type}</td>
                <td data-label={t.catalog.required}>{field.required ? t.catalog.yes : t.catalog.no}</td>
                <td data-label={t.catalog.description}>{field.description[language]}</td>
                <td data-label={t.catalog.source}>
                  <span className={`badge ${field.source}`}>{t.catalog.sources[field.source]}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details>
        <summary>{t.catalog.sample}</summary>
        <pre className="body">{JSON.stringify(type.sample, null, 2)}</pre>
      </details>
      <details>
        <summary>{t.catalog.jsonSchema}</summary>
        <pre className="body">{JSON.stringify(type.jsonSchema, null, 2)}</pre>
      </details>
    </section>
  );
}

/** Every event type Spir sends: its fields (what they mean, and whether the name is confirmed), a sample, the JSON Schema. */
export function CatalogPage(props: PageProps) {
  const { t } = props;
  const catalog = useApi<EventTypesAnswer>('/v1/event-types');
  return (
    <>
      <h1>{t.catalog.title}</h1>
      <p>{t.catalog.intro}</p>
      <PageState t={t} loaded={catalog} reload={catalog.reload}>
        {({ data }) => data.map((type) => <EventTypeSection key={type.name} {...props} type={type} />)}
      </PageState>
    </>
  );
}
