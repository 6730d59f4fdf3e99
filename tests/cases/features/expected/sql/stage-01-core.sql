-- mood type
create type public.mood as enum ('happy', 'sad');

create table public.profiles (
  id uuid primary key references auth.users(id) on delete cascade,
  "user" text not null,
  "Display Name" varchar(80),
  mood public.mood,
  balance numeric(12, 2) default 0 constraint balance_not_negative check (balance >= 0),
  country char(2) default 'NA',
  motto text default 'It''s mine',
  score double precision,
  tags text[] default '{}'::text[],
  last_ip inet,
  born_on date,
  is_admin boolean default false not null,
  row_number bigint generated always as identity
);

comment on table public.profiles is 'One row per user; it''s created by a trigger on auth.users.';
comment on column public.profiles.id is 'Same id as auth.users.';
comment on column public.profiles."user" is 'The user''s handle; "user" is reserved.';

-- RLS
alter table public.profiles enable row level security;
alter table public.profiles force row level security;

create policy "Profiles are public"
  on public.profiles for select
  to anon, authenticated
  using ( true );

create policy "Owners update their profile"
  on public.profiles for update
  to authenticated
  using ( id = (select auth.uid()) )
  with check ( id = (select auth.uid()) );

create policy "Admins only"
  on public.profiles as restrictive for delete
  to authenticated
  using ( (select auth.jwt() ->> 'role') = 'admin' );

-- Indexes
create unique index profiles_user_idx on public.profiles("user");
create index profiles_lower_name_idx on public.profiles(lower("Display Name"));
create index profiles_score_idx on public.profiles(score desc nulls last) include ("user") where score is not null;
create index profiles_tags_idx on public.profiles using gin(tags array_ops);
create index profiles_born_on_idx on public.profiles using brin(born_on);

-- touch function
create function public.touch() returns trigger language plpgsql as $$
begin
  new.born_on := coalesce(new.born_on, current_date);
  return new;
end;
$$;
