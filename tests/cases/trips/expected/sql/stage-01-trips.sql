create table public.profiles (
  id uuid primary key references auth.users(id) on delete cascade,
  email text,
  created_at timestamptz default now() not null
);

comment on table public.profiles is 'One row per user, made by the handle_new_user trigger.';

-- RLS
alter table public.profiles enable row level security;

create policy "Profiles are viewable by their owner"
  on public.profiles for select
  to authenticated
  using ( id = (select auth.uid()) );

create policy "Users update their own profile"
  on public.profiles for update
  to authenticated
  using ( id = (select auth.uid()) )
  with check ( id = (select auth.uid()) );

create table public.trips (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid references public.profiles(id) on delete cascade not null,
  title text not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  visibility text default 'private' not null check (visibility in ('private', 'friends', 'public')),
  constraint trips_end_after_start check (ends_at > starts_at)
);

comment on table public.trips is 'A trip, owned by one user.';

-- RLS
alter table public.trips enable row level security;

create policy "Owners read their trips"
  on public.trips for select
  to authenticated
  using ( owner_id = (select auth.uid()) );

create policy "Owners create trips"
  on public.trips for insert
  to authenticated
  with check ( owner_id = (select auth.uid()) );

create policy "Owners change their trips"
  on public.trips for update
  to authenticated
  using ( owner_id = (select auth.uid()) )
  with check ( owner_id = (select auth.uid()) );

create policy "Owners delete their trips"
  on public.trips for delete
  to authenticated
  using ( owner_id = (select auth.uid()) );

-- Indexes
create index trips_owner_id_idx on public.trips(owner_id);

create table public.trip_stops (
  id uuid primary key default gen_random_uuid(),
  trip_id uuid references public.trips(id) on delete cascade not null,
  place text not null,
  "position" integer default 0 not null
);

comment on table public.trip_stops is 'The stops of a trip; they belong to whoever owns the trip.';

-- RLS
alter table public.trip_stops enable row level security;

create policy "Trip owners read stops"
  on public.trip_stops for select
  to authenticated
  using ( exists (select 1 from public.trips t where t.id = trip_id and t.owner_id = (select auth.uid())) );

create policy "Trip owners add stops"
  on public.trip_stops for insert
  to authenticated
  with check ( exists (select 1 from public.trips t where t.id = trip_id and t.owner_id = (select auth.uid())) );

create policy "Trip owners remove stops"
  on public.trip_stops for delete
  to authenticated
  using ( exists (select 1 from public.trips t where t.id = trip_stops.trip_id and t.owner_id = (select auth.uid())) );

-- Indexes
create index trip_stops_trip_id_idx on public.trip_stops(trip_id);

create table public.journal (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.profiles(id) on delete cascade not null,
  body text not null
);

comment on table public.journal is 'Notes about a trip; deleting one is audited by a trigger.';

-- RLS
alter table public.journal enable row level security;

create policy "Authors read their notes"
  on public.journal for select
  to authenticated
  using ( user_id = (select auth.uid()) );

create policy "Anyone signed in deletes notes"
  on public.journal for delete
  to authenticated
  using ( user_id is not null );

-- Indexes
create index journal_user_id_idx on public.journal(user_id);

-- profiles from sign-ups
create function public.handle_new_user() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.profiles (id, email) values (new.id, new.email);
  return new;
end;
$$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();

-- journal audit
create function public.audit_journal_delete() returns trigger
  language plpgsql
as $$
begin
  perform audit.record_delete(old.id);
  return old;
end;
$$;
create trigger journal_audit before delete on public.journal
  for each row execute function public.audit_journal_delete();
