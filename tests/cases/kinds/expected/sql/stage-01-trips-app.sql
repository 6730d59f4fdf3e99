create extension if not exists pg_trgm with schema extensions;
comment on extension pg_trgm is 'Fuzzy search on trip titles.';

create type public.trip_status as enum ('planned', 'active', 'done');
comment on type public.trip_status is 'Where a trip stands.';

create domain public.money_amount as numeric(12, 2) check (value >= 0);
comment on domain public.money_amount is 'Never negative.';

create sequence public.trip_number as bigint start with 1000;
comment on sequence public.trip_number is 'Human trip numbers, in order.';

create table public.trips (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid references auth.users(id) on delete cascade not null,
  title text not null,
  slug text collate "C" unique,
  title_search tsvector generated always as (to_tsvector('simple', title)) stored,
  status trip_status default 'planned' not null,
  number bigint default nextval('public.trip_number') not null,
  deposit money_amount,
  budget numeric(10, 2) constraint trips_budget_positive check (budget > 0),
  updated_at timestamptz default now() not null
);
alter table public.trips add constraint trips_budget_cap check (budget < 1000000) not valid;

comment on table public.trips is 'A trip, shared with its members.';

-- RLS
alter table public.trips enable row level security;

create policy "Owners change trips"
  on public.trips for update
  to authenticated
  using ( owner_id = (select auth.uid()) )
  with check ( owner_id = (select auth.uid()) );
comment on policy "Owners change trips" on public.trips is 'Only the owner edits a trip; members read it.';

-- Indexes
create index trips_owner_id_idx on public.trips(owner_id);
create index trips_title_trgm_idx on public.trips using gin(title extensions.gin_trgm_ops);
create index trips_updated_idx on public.trips(updated_at desc) with (fillfactor = 80);
comment on index public.trips_updated_idx is 'Recent trips first.';
create index trips_title_search_idx on public.trips using gin(title_search);

-- Grants
revoke all on table public.trips from anon;

create table public.trip_members (
  trip_id uuid references public.trips(id) on delete cascade not null,
  user_id uuid references auth.users(id) on delete cascade not null,
  primary key (trip_id, user_id),
  constraint trip_members_user_trip_key unique (user_id, trip_id) deferrable initially deferred
);

comment on table public.trip_members is 'Who may see a trip besides its owner.';

-- RLS
alter table public.trip_members enable row level security;

create policy "Members see their memberships"
  on public.trip_members for select
  to authenticated
  using ( user_id = (select auth.uid()) );

-- Indexes
create index trip_members_user_id_idx on public.trip_members(user_id);

create or replace function public.set_updated_at()
returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;
comment on function public.set_updated_at() is 'Stamps updated_at on every update.';

create or replace function public.is_trip_member(trip uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
select exists (
  select 1 from public.trips t where t.id = trip and t.owner_id = (select auth.uid())
) or exists (
  select 1 from public.trip_members m where m.trip_id = trip and m.user_id = (select auth.uid())
)
$$;
comment on function public.is_trip_member(uuid) is 'Whether the signed-in user owns or shares the trip; security definer so policies can call it.';
revoke execute on function public.is_trip_member(uuid) from public, anon;
grant execute on function public.is_trip_member(uuid) to authenticated;

create policy "Members read trips"
  on public.trips for select
  to authenticated
  using ( public.is_trip_member(id) );

create view public.trip_overview with (security_invoker = true) as
select t.id, t.title, t.status, count(m.user_id) as members
from public.trips t left join public.trip_members m on m.trip_id = t.id
group by t.id;
comment on view public.trip_overview is 'One line per visible trip.';
grant select on table public.trip_overview to authenticated;

create trigger trips_set_updated_at
  before update on public.trips
  for each row
  execute function public.set_updated_at();

alter publication supabase_realtime add table public.trips, public.trip_members;

grant usage on schema extensions to authenticated;
