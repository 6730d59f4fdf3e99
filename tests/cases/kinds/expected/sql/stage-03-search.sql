create extension if not exists vector with schema extensions;

create extension if not exists moddatetime with schema extensions;

create table public.trip_notes (
  id bigint generated always as identity primary key,
  trip_id uuid references public.trips(id) on delete cascade not null,
  body text not null,
  embedding extensions.vector(3),
  updated_at timestamptz default now() not null
);

comment on table public.trip_notes is 'Notes on a trip, searchable by meaning.';

-- RLS
alter table public.trip_notes enable row level security;

create policy "Members read notes"
  on public.trip_notes for select
  to authenticated
  using ( public.is_trip_member(trip_id) );

-- Indexes
create index trip_notes_trip_id_idx on public.trip_notes(trip_id);
create index trip_notes_embedding_idx on public.trip_notes using hnsw(embedding extensions.vector_cosine_ops) with (m = 16, ef_construction = 64);

create trigger trip_notes_updated_at
  before update on public.trip_notes
  for each row
  execute function extensions.moddatetime('updated_at');
